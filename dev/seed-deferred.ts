// The demo's deferred lead: a Greek prospect who said "not now" and answered the farewell survey
// ("later, in about 6 months"). Its `state` query in the Temporal UI then shows the deferred stage,
// the next holiday greeting (Greek calendar, Orthodox Easter) and the re-qualification date.
// Idempotent: a second start finds the lead already rejected and the survey event already counted.
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Db } from '../domain/db';
import { rejectLead } from '../domain/sales/refusal-note';
import { leadEventSignal, stateQuery } from '../workflows/lead/messages';
import { intakeLead, type IntakeInput } from '../domain/intake/intake';

export const deferredDemoLead: IntakeInput = {
  email: 'kostas@example.gr',
  firstName: 'Kostas',
  lastName: 'Dimitriou',
  company: 'Ionian Foods',
  companySize: 60,
  industry: 'manufacturing',
  jobTitle: 'Operations Manager',
  locale: 'el',
  timezone: 'Europe/Athens',
  country: 'GR',
  source: 'event',
  consent: 'confirmed',
  event: { id: 'demo-kostas-expo', type: 'form_submitted', data: { source: 'event' } },
};

const POLL_MS = 2000;

/**
 * Creates the lead and records the "no"; returns at once. The survey is answered in the background
 * once the farewell mail (which carries its link) is out: at night the lead's quiet hours hold the
 * farewell until morning, and a survey cannot be answered before its mail arrives.
 */
export async function seedDeferredLead(deps: { db: Db; temporal: Client; taskQueue: string }): Promise<{ leadId: string; surveyed: Promise<void> }> {
  const { leadId, workflowId } = await intakeLead(deps, deferredDemoLead);
  const h = deps.temporal.workflow.getHandle(workflowId);
  try {
    // The note is stored first and reaches the workflow by its id (no free text in its history).
    await rejectLead(deps, leadId, { reason: 'bad_timing', by: 'lead', note: 'demo: come back after the summer' });
  } catch (e) {
    // Already rejected or deferred on an earlier start.
    if (!(e instanceof WorkflowUpdateFailedError)) throw e;
  }
  const surveyed = (async () => {
    for (;;) {
      const v = await h.query(stateQuery);
      if (v.stage !== 'rejected') return; // deferred already (an earlier start), or moved on
      if (v.sequence?.waitingFor?.events.includes('survey_answered')) break;
      await new Promise((r) => setTimeout(r, POLL_MS).unref());
    }
    // What the survey page signals for "not now, in about 6 months" (api/survey.ts).
    await h.signal(leadEventSignal, { id: `demo-survey:${leadId}`, type: 'survey_answered', data: { responseId: 'demo', reason: 'bad_timing', timing: 'in_6_months', budget: 'small', bringBack: 'better_timing', commented: false, revisitMonths: 6 } });
  })();
  return { leadId, surveyed };
}
