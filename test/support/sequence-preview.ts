// Runs sequence previews (the real lead workflow, time-skipping, mail captured) for tests, with the
// lead and script given as loose objects and validated by the same schemas the CLI uses.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { previewLeadSchema, previewScriptSchema, previewSequence, type PreviewResult } from '../../cli/sequence-preview';
import { findShippedSequence as findSequence, sequenceModules } from '../../content/sequences';
import { workflowBundle } from '../helpers/workflow-bundle';

export const WARSAW = 'Europe/Warsaw';
/** Monday 1 March 2032, 09:00 in Warsaw: a fixed start keeps weekdays and DST in the tests stable. */
export const START = '2032-03-01T09:00';

/** Profile score 0: events alone decide (keeps score goals out of the way of a path). */
export const leanProfile = { email: 'ola@example.com', firstName: 'Ola', locale: 'pl', timezone: WARSAW };
/** Profile score 24 (cold), like a typical form lead. */
export const baseProfile = { ...leanProfile, lastName: 'Nowak', company: 'Acme', companySize: 120, industry: 'software', jobTitle: 'Marketing Manager', country: 'PL' };

export interface RunInput {
  id?: string;
  stage?: string;
  profile?: Record<string, unknown>;
  start?: string;
  days?: number;
  actions?: Record<string, unknown>[];
}

export async function runPreview(env: TestWorkflowEnvironment, sequenceId: string, input: RunInput = {}, outDir?: string): Promise<PreviewResult> {
  const m = sequenceModules.find((x) => x.current.id === sequenceId);
  if (!m) throw new Error(`no sequence ${sequenceId}`);
  const lead = previewLeadSchema.parse({ id: input.id ?? `t-${sequenceId}`, ...(input.stage ? { stage: input.stage } : {}), profile: input.profile ?? baseProfile });
  const script = previewScriptSchema.parse({ start: input.start ?? START, days: input.days ?? 120, actions: input.actions ?? [] });
  // The run's shared bundle, as every other suite's workers load it.
  return previewSequence({ env, sequence: findSequence(sequenceId, m.current.version)!, lead, script, workflowBundle: await workflowBundle(), ...(outDir ? { outDir } : {}) });
}

/** Templates mailed to the lead, in order. */
export const leadMails = (r: PreviewResult): string[] => r.mails.filter((m) => m.to === r.lead.email).map((m) => m.template);
/** A mail's send time, lead-local. */
export const localTime = (r: PreviewResult, template: string, nth = 0): DateTime => {
  const m = r.mails.filter((x) => x.template === template)[nth];
  if (!m) throw new Error(`no ${template} mail #${nth + 1}`);
  return DateTime.fromMillis(m.at, { zone: r.lead.timezone });
};
export const kinds = (r: PreviewResult, kind: string): string[] => r.timeline.filter((e) => e.kind === kind).map((e) => e.text);
/** Sequences the lead entered, in order. */
export const entered = (r: PreviewResult): string[] => kinds(r, 'enter').map((t) => t.replace(/^enters (\S+) .*$/, '$1'));
