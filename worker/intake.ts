// Intake core: a person arrives (form, import, seed). Known email -> attach to the existing lead;
// otherwise a new lead row and its workflow. Either way the lead's workflow gets the event through
// signal-with-start, so an unknown workflow is started and a known one is just signalled.
import type { Client } from '@temporalio/client';
import { randomUUID } from 'crypto';
import { isUniqueViolation, type Db } from '../activities/db';
import type { LeadWorkflowInput } from '../workflows/lead-lifecycle';
import { leadEventSignal, profileUpdatedSignal } from '../workflows/messages';
import type { LeadEventSignal, LeadProfile } from '../workflows/types';

/** A person as intake sees them: a lead profile whose locale and timezone may still be unknown. */
export type IntakeInput = Omit<LeadProfile, 'locale' | 'timezone'> & {
  locale?: string;
  timezone?: string;
  utm?: Record<string, string>;
  consentTextVersion?: string;
  /** The event that brought the person in (form_submitted by default), with its idempotency id. */
  event?: LeadEventSignal;
};

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

export function profileOf(lead: { email: string; firstName: string | null; lastName: string | null; company: string | null; companySize: number | null; industry: string | null; jobTitle: string | null; phone: string | null; website: string | null; locale: string; timezone: string; country: string | null; source: string; campaignId: string | null; consentStatus: string }): LeadProfile {
  const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);
  return {
    email: lead.email,
    firstName: opt(lead.firstName),
    lastName: opt(lead.lastName),
    company: opt(lead.company),
    companySize: opt(lead.companySize),
    industry: opt(lead.industry),
    jobTitle: opt(lead.jobTitle),
    phone: opt(lead.phone),
    website: opt(lead.website),
    locale: lead.locale,
    timezone: lead.timezone,
    country: opt(lead.country),
    source: lead.source,
    campaignId: opt(lead.campaignId),
    consent: lead.consentStatus as LeadProfile['consent'],
  };
}

export async function intakeLead(deps: { db: Db; temporal: Client; taskQueue: string }, input: IntakeInput): Promise<{ leadId: string; created: boolean; workflowId: string }> {
  const { db, temporal } = deps;
  const email = normaliseEmail(input.email);
  const fields = {
    firstName: input.firstName,
    lastName: input.lastName,
    company: input.company,
    companySize: input.companySize,
    industry: input.industry?.toLowerCase(),
    jobTitle: input.jobTitle,
    phone: input.phone,
    website: input.website,
    country: input.country?.toUpperCase(),
  };
  let created = false;
  let lead = await db.lead.findUnique({ where: { email } });
  if (!lead) {
    const id = randomUUID();
    try {
      lead = await db.lead.create({
        data: {
          id,
          email,
          ...fields,
          locale: input.locale ?? 'en',
          timezone: input.timezone ?? 'UTC',
          source: input.source,
          campaignId: input.campaignId,
          utm: input.utm,
          workflowId: `lead-${id}`,
          consentStatus: input.consent,
          consentSource: input.source,
          consentTextVersion: input.consentTextVersion,
          consentAt: input.consent === 'confirmed' ? new Date() : null,
        },
      });
      created = true;
    } catch (e) {
      // A concurrent intake of the same email won the race: attach to its lead.
      if (!isUniqueViolation(e)) throw e;
      lead = await db.lead.findUniqueOrThrow({ where: { email } });
    }
  }
  const changes = Object.fromEntries(Object.entries(fields).filter(([k, v]) => v !== undefined && v !== (lead as Record<string, unknown>)[k]));
  if (!created && Object.keys(changes).length) lead = await db.lead.update({ where: { id: lead.id }, data: changes });

  const event: LeadEventSignal = input.event ?? { id: `intake:${input.source}:${email}`, type: 'form_submitted', data: { source: input.source } };
  const handle = await temporal.workflow.signalWithStart('leadLifecycle', {
    workflowId: lead.workflowId,
    taskQueue: deps.taskQueue,
    args: [{ leadId: lead.id, profile: profileOf(lead) } satisfies LeadWorkflowInput],
    signal: leadEventSignal,
    signalArgs: [event],
  });
  if (!created && Object.keys(changes).length) await handle.signal(profileUpdatedSignal, { id: `${event.id}:profile`, changes: changes as Partial<LeadProfile> });
  return { leadId: lead.id, created, workflowId: lead.workflowId };
}
