// Intake core: a person arrives (form, import, seed). Known email -> attach to the existing lead;
// otherwise a new lead row and its workflow. Either way the lead's workflow gets the event through
// signal-with-start, so an unknown workflow is started and a known one is just signalled.
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'crypto';
import { isUniqueViolation, type Db } from '../db';
import { emailHash } from '../mail/email-hash';
import type { LeadWorkflowInput } from '../../workflows/lead/lifecycle';
import { leadEventSignal, profileUpdatedSignal } from '../../workflows/lead/messages';
import type { LeadEventSignal, LeadProfile } from '../../workflows/types';
import { fieldErrors, leadProfileFieldsSchema } from './lead-input';

/** A person as intake sees them: a lead profile whose locale and timezone may still be unknown. */
export type IntakeInput = Omit<LeadProfile, 'locale' | 'timezone'> & {
  locale?: string;
  timezone?: string;
  utm?: Record<string, string>;
  consentTextVersion?: string;
  /** Where consent was given (form, page); defaults to `source`. */
  consentSource?: string;
  /** The event that brought the person in (form_submitted by default), with its idempotency id. */
  event?: LeadEventSignal;
};

/** The address asked not to be contacted (unsubscribed, bounced, erased): nothing is stored. */
export class SuppressedError extends Error {
  constructor(readonly reason: string) {
    super(`this address must not be contacted (${reason})`);
    this.name = 'SuppressedError';
  }
}

/** The source names a campaign that does not exist (spend and KPIs hang off Campaign rows). */
export class UnknownCampaignError extends Error {
  constructor(readonly campaignId: string) {
    super(`unknown campaign ${campaignId}`);
    this.name = 'UnknownCampaignError';
  }
}

/** A profile field breaks the intake schema (e.g. a line break in a name): nothing is stored. */
export class InvalidLeadError extends Error {
  constructor(readonly errors: { field: string; message: string }[]) {
    super(`invalid lead: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    this.name = 'InvalidLeadError';
  }
}

export interface IntakeResult {
  leadId: string;
  created: boolean;
  workflowId: string;
  /** The lead's workflow has ended (client, unsubscribed, erased): the data was merged, no new run started. */
  closed?: boolean;
}

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

type LeadRow = Parameters<typeof profileOf>[0] & { id: string; workflowId: string };

/**
 * Delivers an event to a lead's workflow, starting it when it is not running (a crash between the
 * lead row and its workflow heals on the next event). A lead whose life has ended (client,
 * unsubscribed, erased) is not started over as `new`: null then.
 */
export async function signalLeadEvent(deps: { temporal: Client; taskQueue: string }, lead: LeadRow, event: LeadEventSignal): Promise<WorkflowHandle | null> {
  try {
    return await deps.temporal.workflow.signalWithStart('leadLifecycle', {
      workflowId: lead.workflowId,
      taskQueue: deps.taskQueue,
      args: [{ leadId: lead.id, profile: profileOf(lead) } satisfies LeadWorkflowInput],
      signal: leadEventSignal,
      signalArgs: [event],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) return null;
    throw e;
  }
}

export async function intakeLead(deps: { db: Db; temporal: Client; taskQueue: string }, input: IntakeInput): Promise<IntakeResult> {
  const { db } = deps;
  // Every entrance, not only the API's body schema: a control character in a name would later break
  // the manager's card and the mail subject of a lead already running.
  const checked = leadProfileFieldsSchema.safeParse({ firstName: input.firstName, lastName: input.lastName, company: input.company, phone: input.phone, jobTitle: input.jobTitle, industry: input.industry, website: input.website });
  if (!checked.success) throw new InvalidLeadError(fieldErrors(checked.error));
  const email = normaliseEmail(input.email);
  // Checked before any write: an erased or unsubscribed person is never stored or mailed again.
  const suppressed = await db.suppression.findUnique({ where: { emailHash: emailHash(email) }, select: { reason: true } });
  if (suppressed) throw new SuppressedError(suppressed.reason);
  if (input.campaignId && !(await db.campaign.findUnique({ where: { id: input.campaignId }, select: { id: true } }))) throw new UnknownCampaignError(input.campaignId);
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
          consentSource: input.consentSource ?? input.source,
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
  const changes: Partial<LeadProfile> = Object.fromEntries(Object.entries(fields).filter(([k, v]) => v !== undefined && v !== (lead as Record<string, unknown>)[k]));
  // A known person who now gives consent (confirmed elsewhere, or not required) is recorded with its
  // source, text version and time. Never the other way: withdrawn stays withdrawn, and a `pending`
  // request for a known lead sends no confirmation mail (that happens once, when the lead starts).
  const consentGiven = !created && (input.consent === 'confirmed' || input.consent === 'not_required') && (lead.consentStatus === 'unknown' || lead.consentStatus === 'pending');
  if (consentGiven) changes.consent = input.consent;
  if (!created && Object.keys(changes).length) {
    const { consent, ...rest } = changes;
    lead = await db.lead.update({
      where: { id: lead.id },
      data: { ...rest, ...(consent ? { consentStatus: consent, consentSource: input.consentSource ?? input.source, consentTextVersion: input.consentTextVersion ?? null, consentAt: new Date() } : {}) },
    });
  }

  const event: LeadEventSignal = input.event ?? { id: `intake:${input.source}:${email}`, type: 'form_submitted', data: { source: input.source } };
  const handle = await signalLeadEvent(deps, lead, event);
  if (!handle) return { leadId: lead.id, created, workflowId: lead.workflowId, closed: true };
  if (!created && Object.keys(changes).length) await handle.signal(profileUpdatedSignal, { id: `${event.id}:profile`, changes });
  return { leadId: lead.id, created, workflowId: lead.workflowId };
}
