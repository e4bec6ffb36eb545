// The activities the lead workflow calls, as types only. `activities/` implements this interface
// (type-checked in activities/index.ts); the workflow imports nothing else from there.
import type { CalendarRule } from '../domain/content/calendar-rule-schema';
import type { ScoringRules } from './qualification/scoring';
import type { SequenceDefinition } from './sequences/dsl';
import type { ClientDeal, Stage, Temperature } from './types';

export interface LeadEventRecord {
  /** Unique per lead and event: re-recording the same key is a no-op. */
  dedupKey: string;
  type: string;
  occurredAt: string;
  stageFrom?: Stage;
  stageTo?: Stage;
  reason?: string;
  payload?: Record<string, unknown>;
}

export interface LeadSnapshot {
  stage: Stage;
  temperature: Temperature;
  score: number;
  ownerId: string | null;
  /** Where the lead is in its sequence (null: in none). Absent in snapshots from before it was kept: the row's position stays. */
  position?: SequencePosition | null;
}

export interface SequencePosition {
  sequence: string;
  version: number;
  /** The step's position key, e.g. "4.onTimeout.0". */
  step: string;
}

export type EmailVariables = Record<string, string | number | boolean | null>;

export interface SendEmailRequest {
  /** (lead, sequence, version, step) for drips, or an explicit key for one-off mails. */
  idempotencyKey: string;
  leadId: string;
  template: string;
  kind: 'marketing' | 'transactional';
  locale?: string;
  subject?: string;
  variables: EmailVariables;
  sequence?: { id: string; version: number; step: string };
  /** Where the mail goes when not to the lead itself (manager notifications). */
  to?: string;
  /**
   * Workflow time of the send (ISO). Quiet hours and the frequency cap are judged at this time, so
   * time-skipping tests and replays see the lead's clock, not the activity worker's.
   */
  now?: string;
}

export type SendEmailResult =
  | { status: 'sent'; messageId: string }
  | { status: 'already_sent'; messageId: string }
  /** Quiet hours or frequency cap: the workflow sleeps until `until`, then asks again. */
  | { status: 'deferred'; until: string; reason: 'quiet_hours' | 'frequency_cap' | 'consent_pending' }
  /** Not sent and never will be: suppressed, unsubscribed, no consent, erased. */
  | { status: 'suppressed'; reason: string }
  /** Permanent SMTP rejection (5xx): the address is now suppressed. */
  | { status: 'bounced'; error: string };

/** A wall-clock rule, resolved in the lead's timezone by an activity (the workflow has no tz data). */
export type { CalendarRule };

export interface RouteLeadRequest {
  leadId: string;
  temperature: Temperature;
  locale: string;
  country?: string;
  /** Managers already tried for this lead (SLA misses): skipped. */
  exclude: string[];
  /**
   * Offered first when eligible: the manager holding the lead's open re-contact task, so a lead that
   * warms up is not contacted by a second manager.
   */
  prefer?: string;
  /** Workflow time (ISO): SLA deadlines and working hours are computed from it. */
  now: string;
}
export type RouteLeadResult =
  | { assigned: true; managerId: string; managerEmail: string; assignmentId: string; reason: string; slaDueAt: string }
  /** `onlyTried`: the only managers who could take it already missed its SLA (all asked once). */
  | { assigned: false; reason: string; onlyTried?: boolean };

export interface HolidayOccurrence {
  /** Stable key for idempotency, e.g. "PL:2027-03-28:easter". */
  key: string;
  name: string;
  /** When to send: a civil hour on the holiday in the lead's timezone (ISO instant). */
  sendAt: string;
}

/** Re-qualification found a lead worth a call: a task for a manager with everything gathered. */
export interface RecontactTaskRequest {
  leadId: string;
  /** One task per re-qualification, however often the activity is retried. */
  dedupKey: string;
  score: number;
  temperature: Temperature;
  locale: string;
  country?: string;
  /** The manager who had the lead before, preferred when still eligible. */
  previousOwner: string | null;
  /**
   * `noteId`: the refusal note's row (domain/sales/refusal-note.ts), read by the activity. `note` (the
   * text) and a survey `comment` come only from workflows started before the private-notes patch.
   */
  rejection: { reason: string; note?: string; noteId?: string; by: string; at: string; survey?: Record<string, unknown> } | null;
  /** Workflow time (ISO). */
  now: string;
}
export interface RecontactTaskResult {
  taskId: string;
  managerId: string | null;
  /** Where the manager's notification goes (null when no manager was eligible). */
  managerEmail: string | null;
  why: string;
  /**
   * What the task holds, as lines for the manager's mail: only in results recorded before the task's
   * free text stayed in the database (the send activity now reads the lines from the Task row).
   */
  summary?: RecontactSummary;
}
export type { RecontactSummary } from '../domain/mail/recontact';
import type { RecontactSummary } from '../domain/mail/recontact';

/** A published scoring ruleset, as a lead is pinned to it. */
export interface PinnedRules {
  version: number;
  hash: string;
  rules: ScoringRules;
}

/** A published sequence version, as a lead is pinned to it. */
export interface PinnedSequence {
  id: string;
  version: number;
  hash: string;
  definition: SequenceDefinition;
}

/** What sequence choice looks at: the lead's situation, never its personal data. */
export interface ChooseSequenceRequest {
  /** For segment entry rules: membership is asked of the database by the activity, by lead id. */
  leadId?: string;
  stage: Stage;
  temperature: Temperature;
  source: string;
  done: string[];
  doneThisStage: string[];
}

/** A published migration rule that moves a lead at `position` of its version to a newer one. */
export interface SequenceMigration {
  to: PinnedSequence;
  /** The position in `to`, e.g. "4.onTimeout.0". */
  position: string;
}

export interface LeadActivities {
  recordLeadEvents(leadId: string, events: LeadEventRecord[]): Promise<void>;
  syncLeadSnapshot(leadId: string, snapshot: LeadSnapshot): Promise<void>;
  /**
   * History and snapshot in one transaction (either may be empty). The workflow runs it as a local
   * activity, inside its own workflow task: no extra round trips to the server per step.
   */
  persistLead(leadId: string, events: LeadEventRecord[], snapshot: LeadSnapshot | null): Promise<void>;
  sendEmail(req: SendEmailRequest): Promise<SendEmailResult>;
  /** `country` (the lead's, ISO 3166) only for a rule with businessDays. */
  nextCalendarTime(rule: CalendarRule, timezone: string, after: string, country?: string | null): Promise<string>;
  /** `after` + `plusMs` counted in business days of the lead's zone and country (activities/calendar.ts). */
  businessTime(after: string, plusMs: number, timezone: string, country: string | null): Promise<string>;
  routeLead(req: RouteLeadRequest): Promise<RouteLeadResult>;
  closeAssignment(assignmentId: string, status: 'accepted' | 'declined' | 'missed' | 'released' | 'won' | 'lost' | 'nurture'): Promise<void>;
  createClient(leadId: string, deal: ClientDeal): Promise<{ clientId: string }>;
  nextHoliday(country: string, locale: string, timezone: string, after: string): Promise<HolidayOccurrence | null>;
  createRecontactTask(req: RecontactTaskRequest): Promise<RecontactTaskResult>;
  /** Marketing content, read from its published versions (activities/content). */
  currentScoringRules(): Promise<PinnedRules>;
  chooseSequence(req: ChooseSequenceRequest): Promise<PinnedSequence | null>;
  sequenceMigration(id: string, version: number, position: string): Promise<SequenceMigration | null>;
}

/** A published offer campaign (workflows/offers/define.ts writes them). */
export type { OfferCampaign } from './offers/define';
import type { OfferCampaign } from './offers/define';

/** Who an offer campaign run reaches: deferred leads matching the audience, one page at a time. */
import type { OfferAudience } from '../domain/content/offer-schema';
export type { OfferAudience };
export interface OfferAudiencePage {
  leadIds: string[];
  /** Cursor for the next page; null after the last one. */
  next: string | null;
}
export interface OfferCampaignActivities {
  /** The campaign's current published version (null when none is published under that id). */
  loadOfferCampaign(id: string): Promise<OfferCampaign | null>;
  listOfferAudience(audience: OfferAudience, after: string | null, limit: number): Promise<OfferAudiencePage>;
}

/** A lead's Temporal histories, removed after its erasure (workflows/erasure.ts). */
export interface EraseHistoryRequest {
  leadId: string;
  /** The lead workflow's id (`lead-<leadId>`): every run of it goes. */
  workflowId: string;
}
export interface ErasureActivities {
  /**
   * Deletes every run of the lead's workflow; fails (retryably) while any is still there. Once all
   * are gone the lead row's `erasurePending` loses `temporal_history` and an event says so.
   */
  deleteLeadHistory(req: EraseHistoryRequest): Promise<void>;
  /** Starts the eraseLeadHistory workflow of every lead whose erasure is still pending (domain/erasure.ts). */
  sweepPendingErasures(): Promise<{ pending: number; running: number }>;
}
