// Signals, updates and queries of the lead workflow: the one contract between the workflow and
// its callers (API, activities, ops in the Temporal UI, tests).
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  Bant,
  BantKey,
  ClientDeal,
  LeadEventSignal,
  LeadEventType,
  LeadFeatures,
  LeadProfile,
  RejectionReason,
  Stage,
  Temperature,
} from '../types';

export const leadEventSignal = defineSignal<[LeadEventSignal]>('leadEvent');
/** Intake dedup merged new fields into a known lead. */
/** Changes of the person's features (intake sends no contact data; older senders' contact fields are dropped). */
export const profileUpdatedSignal = defineSignal<[{ id: string; changes: Partial<LeadFeatures> | Partial<LeadProfile> }]>('profileUpdated');
/**
 * A manager's capacity freed (an assignment closed, a manager added, given more room or back): a lead
 * waiting in the queue routes at once instead of at its next retry. Sent by activities/sales/routing.ts.
 */
export const managerCapacityFreedSignal = defineSignal<[{ managerId?: string; reason: string }]>('managerCapacityFreed');
/**
 * A manager closed the lead's re-contact task (POST /tasks/:id/close): the lead is no longer held for
 * them when it reaches sales. Sent by api/managers.ts.
 */
export const recontactTaskClosedSignal = defineSignal<[{ taskId: string; status: 'done' | 'cancelled' }]>('recontactTaskClosed');

/**
 * A periodic offer for the deferred-demand base, sent by an offer-campaign run (workflows/offers/campaign.ts).
 * The lead workflow mails it through the normal sendEmail, so its frequency cap and quiet hours
 * apply; `runId` makes it count once however often it is delivered (and keys the mail's ledger row).
 */
export interface OfferInput {
  campaignId: string;
  runId: string;
  /** Title and text per locale; `en` is the fallback. */
  content: Record<string, { title: string; text: string }>;
  /** Site path the offer's button leads to, e.g. /offers/spring. */
  path: string;
  /** ISO time: an offer still held back by quiet hours or the cap by then is dropped. */
  until: string;
}
export const offerSignal = defineSignal<[OfferInput]>('offer');

/**
 * Ops: a lead waiting in `attention` (a dependency kept failing, LeadAttention search attribute) tries
 * again now instead of at its timer.
 */
export const retryNowSignal = defineSignal<[{ reason?: string }]>('retryNow');

export interface RecordBantInput {
  answers: Partial<Record<BantKey, { passed: boolean; note?: string }>>;
}
export interface RejectInput {
  reason: RejectionReason;
  /**
   * Free text: refused since the private-notes patch (an update's input is kept in the workflow's
   * history). Store the note with recordRefusalNote / rejectLead (domain/sales/refusal-note.ts) and
   * pass `noteId`.
   */
  note?: string;
  /** The refusal note's row id: the re-contact task reads the text from the database. */
  noteId?: string;
  by: 'sales' | 'lead' | 'ops';
}
export interface ChangeOwnerInput {
  managerId: string | null;
  reason: string;
}
export interface AcceptAssignmentInput {
  managerId: string;
  /** The offer acted on (a signed link's): refused unless it is still the lead's open offer. */
  assignmentId?: string;
}
/** The manager sends an offered (not yet accepted) lead back: it is re-routed to the next manager. */
export interface DeclineAssignmentInput {
  managerId: string;
  assignmentId?: string;
  reason?: string;
}
export interface RecordOutcomeInput {
  managerId: string;
  outcome: 'won' | 'lost' | 'nurture';
  reason?: RejectionReason;
  /** Free text: refused since the private-notes patch, as in RejectInput; `noteId` names a stored note. */
  note?: string;
  noteId?: string;
  deal?: ClientDeal;
}

export const recordBantUpdate = defineUpdate<LeadView, [RecordBantInput]>('recordBant');
export const rejectUpdate = defineUpdate<LeadView, [RejectInput]>('reject');
export const convertToClientUpdate = defineUpdate<LeadView, [ClientDeal]>('convertToClient');
export const requalifyNowUpdate = defineUpdate<LeadView, [{ reason?: string }]>('requalifyNow');
export const pauseUpdate = defineUpdate<LeadView, [{ reason?: string }]>('pause');
export const resumeUpdate = defineUpdate<LeadView, [{ reason?: string }]>('resume');
export const changeOwnerUpdate = defineUpdate<LeadView, [ChangeOwnerInput]>('changeOwner');
export const acceptAssignmentUpdate = defineUpdate<LeadView, [AcceptAssignmentInput]>('acceptAssignment');
export const recordOutcomeUpdate = defineUpdate<LeadView, [RecordOutcomeInput]>('recordOutcome');
export const declineAssignmentUpdate = defineUpdate<LeadView, [DeclineAssignmentInput]>('declineAssignment');

export const stateQuery = defineQuery<LeadView>('state');

export interface ScoreLine {
  id: string;
  type: LeadEventType | 'manual';
  at: string;
  points: number;
  /** What is left of `points` after time decay, at `computedAt`. */
  decayed: number;
}

/** The answer to "why is this lead where it is?". */
export interface LeadView {
  leadId: string;
  /** What the workflow knows of the person: features, no contact data (the lead row has that). */
  features: LeadFeatures;
  stage: Stage;
  stageSince: string;
  temperature: Temperature;
  paused: boolean;
  score: {
    total: number;
    profile: number;
    behaviour: number;
    profileParts: { rule: string; points: number }[];
    events: ScoreLine[];
    /** Behaviour points from events already folded away (too decayed to list one by one). */
    foldedBehaviour: number;
    computedAt: string;
  };
  bant: Bant;
  bantGap: BantKey[];
  owner: string | null;
  /** The lead's current offer to a manager: who, by when, and whether they accepted it. */
  assignment: { id: string; managerId: string; offeredAt: string; acceptBy: string; accepted: boolean } | null;
  queue: 'awaiting_manager' | null;
  sequence: {
    id: string;
    version: number;
    position: string;
    enteredAt: string;
    waitingFor: { events: LeadEventType[]; until: string } | null;
  } | null;
  sequencesDone: string[];
  nextWakeAt: string | null;
  nextWakeReason: string | null;
  rejection: { reason: RejectionReason; note?: string; noteId?: string; by: string; at: string; survey?: Record<string, unknown> } | null;
  requalifyAt: string | null;
  nextHoliday: { date: string; name: string } | null;
  /** The published content this lead is pinned to. */
  content: {
    rules: { version: number; hash: string } | null;
    sequence: { id: string; version: number; hash: string } | null;
  };
  /** Effects that failed for good; the lead went on without them (newest last). */
  failures: { activity: string; outcome: string; reason: string; at: string }[];
  /** Set while the lead waits for a failing dependency (ops: the retryNow signal). */
  attention: { kind: 'db' | 'activity'; activity: string; reason: string; since: string; retryAt: string; attempts: number } | null;
  history: {
    transitions: { from: Stage; to: Stage; reason: string; at: string }[];
    eventsReceived: number;
    duplicatesIgnored: number;
    runs: number;
  };
}
