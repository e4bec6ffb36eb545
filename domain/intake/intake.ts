// Intake core: a person arrives (form, import, seed). Known email -> attach to the existing lead;
// otherwise a new lead row and its workflow. Either way the lead's workflow gets the event through
// signal-with-start, so an unknown workflow is started and a known one is just signalled.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'crypto';
import { isUniqueViolation, type Db } from '../db';
import { suppressionOf } from '../mail/email-hash';
import { featureChanges, featuresOf } from '../../workflows/features';
import { profileUpdatedSignal } from '../../workflows/lead/messages';
import { signalOrStartLead } from '../lead-signal';
import type { LeadEventSignal, LeadProfile } from '../../workflows/types';
import { fieldErrors, leadProfileFieldsSchema } from './lead-input';

/** A person as intake sees them: a lead profile whose locale and timezone may still be unknown. */
export type IntakeInput = Omit<LeadProfile, 'locale' | 'timezone'> & {
  locale?: string;
  timezone?: string;
  utm?: Record<string, string>;
  /** The team's custom fields (validated by worker/lead-input.ts): kept in the database only, never sent to the workflow. */
  custom?: Record<string, string | number | boolean>;
  consentTextVersion?: string;
  /** Where consent was given (form, page); defaults to `source`. */
  consentSource?: string;
  /**
   * The event that brought the person in (form_submitted by default), with its idempotency id; or
   * made from the lead's id (ids must not carry the address: they become keys in histories and rows).
   */
  event?: LeadEventSignal | ((leadId: string) => LeadEventSignal);
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

type LeadRow = Parameters<typeof profileOf>[0] & { id: string };

/**
 * Delivers an event to a lead's workflow through the one signal client, starting it when it is not
 * running; null when the lead's life has ended (client, unsubscribed, erased).
 */
export const signalLeadEvent = (deps: { temporal: Client; taskQueue: string }, lead: LeadRow, event: LeadEventSignal): Promise<WorkflowHandle | null> =>
  // Features only: the workflow's input is in its history; contact data stays in the database.
  signalOrStartLead(deps, { leadId: lead.id, features: featuresOf(profileOf(lead)) }, event);

export async function intakeLead(deps: { db: Db; temporal: Client; taskQueue: string }, input: IntakeInput): Promise<IntakeResult> {
  const { db } = deps;
  // Every entrance, not only the API's body schema: a control character in a name would later break
  // the manager's card and the mail subject of a lead already running.
  const checked = leadProfileFieldsSchema.safeParse({ firstName: input.firstName, lastName: input.lastName, company: input.company, phone: input.phone, jobTitle: input.jobTitle, industry: input.industry, website: input.website });
  if (!checked.success) throw new InvalidLeadError(fieldErrors(checked.error));
  const email = normaliseEmail(input.email);
  // Checked before any write: an erased or unsubscribed person is never stored or mailed again.
  const suppressed = await suppressionOf(db, email);
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
          ...(input.custom ? { custom: input.custom } : {}),
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

  // Custom fields of a known lead: merged, newest value per field (segments read them from here).
  if (!created && input.custom && Object.keys(input.custom).length) {
    const before = lead.custom && typeof lead.custom === 'object' && !Array.isArray(lead.custom) ? (lead.custom as Record<string, string | number | boolean>) : {};
    lead = await db.lead.update({ where: { id: lead.id }, data: { custom: { ...before, ...input.custom } } });
  }

  // Keyed by the lead, never the address: event ids become dedup keys in the history and the database.
  const given = typeof input.event === 'function' ? input.event(lead.id) : input.event;
  const event: LeadEventSignal = given ?? { id: `intake:${input.source}:${lead.id}`, type: 'form_submitted', data: { source: input.source } };
  const handle = await signalLeadEvent(deps, lead, event);
  if (!handle) return { leadId: lead.id, created, workflowId: lead.workflowId, closed: true };
  if (!created && Object.keys(changes).length) await handle.signal(profileUpdatedSignal, { id: `${event.id}:profile`, changes: featureChanges(changes) });
  return { leadId: lead.id, created, workflowId: lead.workflowId };
}
