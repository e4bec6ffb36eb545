// The lead workflow's state and the small pure functions every concern shares. Plain data, carried
// whole through continue-as-new, free of Temporal APIs. Decide functions treat a state as immutable:
// they copy it (`draft`) and replace fields, never change a nested object in place.
import type { HolidayOccurrence, LeadEventRecord, PinnedRules, PinnedSequence } from '../activity-contract';
import { addEvent, computeScore, emptyBehaviour, type Behaviour, type ScoringRules } from '../qualification/scoring';
import type { LeadFacts, SequenceState } from '../sequences/interpreter';
import {
  BANT_KEYS,
  FINAL_STAGES,
  type Bant,
  type BantKey,
  type ClientDeal,
  type LeadEventSignal,
  type LeadFeatures,
  type RejectionReason,
  type Stage,
} from '../types';

export interface Transition {
  from: Stage;
  to: Stage;
  reason: string;
  at: number;
}

export interface Assignment {
  id: string;
  managerId: string;
  managerEmail: string;
  offeredAt: number;
  slaDueAt: number;
  accepted: boolean;
}

/** What a sequence may look at (LeadFacts: id, features, stage, score, temperature, recent behaviour), and the rest. */
export interface LeadState extends LeadFacts {
  stageSince: number;
  behaviour: Behaviour;
  /** Recent event ids, for at-most-once counting of duplicate deliveries. */
  seen: string[];
  bant: Bant;
  owner: string | null;
  assignment: Assignment | null;
  triedManagers: string[];
  slaMisses: number;
  queue: 'awaiting_manager' | null;
  nextRouteAt: number | null;
  paused: boolean;
  undeliverable: boolean;
  seq: SequenceState | null;
  sequencesDone: string[];
  /** Sequences finished or left since the last stage change (no re-entry until the stage moves). */
  sequencesDoneThisStage: string[];
  rejection: { reason: RejectionReason; note?: string; noteId?: string; by: string; at: number; survey?: Record<string, unknown> } | null;
  rejections: number;
  /** Entries per sequence id, so a re-entered sequence gets fresh ledger keys. */
  sequenceEntries: Record<string, number>;
  requalifyAt: number | null;
  /** The re-contact task re-qualification created: its manager is offered the lead first if it reaches sales. */
  recontactTask?: { id: string; managerId: string } | null;
  /** Offers from campaign runs waiting to be mailed (held back by quiet hours or the cap). */
  offers: PendingOffer[];
  holiday: { next: HolidayOccurrence | null; lookedUpAt: number | null; sent: string[] };
  clientId: string | null;
  pendingDeal: ClientDeal | null;
  pendingAssignmentClose: { id: string; status: 'accepted' | 'declined' | 'missed' | 'released' | 'won' | 'lost' | 'nurture' }[];
  transitions: Transition[];
  eventsReceived: number;
  duplicatesIgnored: number;
  runs: number;
  eventsThisRun: number;
  inbox: LeadEventSignal[];
  outbox: LeadEventRecord[];
  nextWake: { at: number; reason: string } | null;
  /** Monotonic counter for dedup keys of lifecycle records (stable across replays). */
  recordSeq: number;
  /** The scoring ruleset this lead is pinned to (loaded through a recorded activity; null until then). */
  rules: PinnedRules | null;
  /** The published sequence version `seq` runs (pinned at entry; moved only by a migration rule). */
  seqContent: PinnedSequence | null;
  /** Sequence choice asked for this situation and found none: not asked again until it changes. */
  seqNoneFor: string | null;
  /** When a migration rule was last looked for (workflow time). */
  seqMigrationCheckedAt: number | null;
  /** Start of the current sales-readiness: behaviour before it (before the last "no") does not count. */
  readinessSince: number;
  /** Buying signals (rule labels) seen since the last "no": the early way back to sales. */
  signalsSinceNo: string[];
  /** A complete BANT with a gap was acted on (one move to nurturing); cleared when answers change. */
  bantGapActed: boolean;
  /** Effects that failed for good: recorded on the lead, which went on. Newest last. */
  failures: Failure[];
  /** Waiting for ops or a timer after a dependency kept failing (visible as the LeadAttention search attribute). */
  attention: Attention | null;
}

export interface Failure {
  activity: string;
  /** What the lead did without it (mail skipped, routing retried, ...). */
  outcome: string;
  reason: string;
  at: number;
}

export interface Attention {
  kind: 'db' | 'activity';
  activity: string;
  reason: string;
  since: number;
  retryAt: number;
  attempts: number;
}

export interface PendingOffer {
  campaignId: string;
  runId: string;
  content: Record<string, { title: string; text: string }>;
  path: string;
  until: number;
  notBefore: number;
}

export const SEEN_IDS_KEPT = 1000;
export const OFFERS_KEPT = 5;
export const TRANSITIONS_KEPT = 50;
export const PAGE_VIEWS_KEPT = 50;
export const FAILURES_KEPT = 20;
export const SURVEY_REASONS_DEFAULT_MONTHS: Partial<Record<RejectionReason, number>> = {
  no_budget: 6,
  bad_timing: 3,
  chose_competitor: 12,
  no_authority: 6,
  no_response: 6,
  other: 6,
};
export const DEFAULT_REQUALIFY_MONTHS = 6;
/** A lead that chose a competitor is asked again no sooner than this (its contract runs a while). */
export const COMPETITOR_MIN_MONTHS = 12;
const DAY_MS = 86_400_000;
export const monthsMs = (months: number): number => Math.round(months * 30.44 * DAY_MS);

export const isFinal = (stage: Stage): boolean => FINAL_STAGES.includes(stage);

export function initialState(leadId: string, profile: LeadFeatures, now: number): LeadState {
  return {
    leadId,
    profile,
    stage: 'new',
    stageSince: now,
    temperature: 'cold',
    score: 0,
    behaviour: emptyBehaviour(now),
    lastEventAt: {},
    pageViews: [],
    seen: [],
    bant: {},
    owner: null,
    assignment: null,
    triedManagers: [],
    slaMisses: 0,
    queue: null,
    nextRouteAt: null,
    paused: false,
    undeliverable: false,
    seq: null,
    sequencesDone: [],
    sequencesDoneThisStage: [],
    rejection: null,
    rejections: 0,
    sequenceEntries: {},
    requalifyAt: null,
    offers: [],
    holiday: { next: null, lookedUpAt: null, sent: [] },
    clientId: null,
    pendingDeal: null,
    pendingAssignmentClose: [],
    transitions: [],
    eventsReceived: 0,
    duplicatesIgnored: 0,
    runs: 1,
    eventsThisRun: 0,
    inbox: [],
    outbox: [],
    nextWake: null,
    recordSeq: 0,
    rules: null,
    seqContent: null,
    seqNoneFor: null,
    seqMigrationCheckedAt: null,
    readinessSince: now,
    signalsSinceNo: [],
    bantGapActed: false,
    failures: [],
    attention: null,
  };
}

/** A copy to change: top-level fields are replaced, nested objects stay shared and are never mutated. */
export const draft = (s: LeadState): LeadState => ({ ...s });

/** The rules a pinned lead scores with (decide functions run only after the shell loaded them). */
export function rulesOf(s: LeadState): ScoringRules {
  if (!s.rules) throw new Error('scoring rules not loaded yet');
  return s.rules.rules;
}

/** A failed effect, on the lead: in its history (event + reason) and in its state view. */
export function recordFailure(s: LeadState, f: Omit<Failure, 'at'>, at: number): void {
  s.failures = [...s.failures, { ...f, at }].slice(-FAILURES_KEPT);
  record(s, 'effect_failed', at, { reason: `${f.activity}: ${f.reason}`, payload: { activity: f.activity, outcome: f.outcome } });
}

/** Appends a LeadEvent row to the outbox (written by the main loop through an activity). */
export function record(s: LeadState, type: string, at: number, extra: Omit<LeadEventRecord, 'dedupKey' | 'type' | 'occurredAt'> = {}, dedupKey?: string): void {
  s.recordSeq += 1;
  s.outbox = [...s.outbox, { dedupKey: dedupKey ?? `${s.leadId}:r${s.recordSeq}`, type, occurredAt: new Date(at).toISOString(), ...extra }];
}

export function transition(s: LeadState, to: Stage, reason: string, now: number): boolean {
  if (s.stage === to || isFinal(s.stage)) return false;
  const t: Transition = { from: s.stage, to, reason, at: now };
  s.transitions = [...s.transitions, t].slice(-TRANSITIONS_KEPT);
  record(s, 'stage_changed', now, { stageFrom: s.stage, stageTo: to, reason });
  s.stage = to;
  s.stageSince = now;
  s.sequencesDoneThisStage = [];
  return true;
}

/** Re-scores at `now`; records a temperature change. Returns the new score. */
export function rescore(s: LeadState, rules: ScoringRules, now: number): number {
  const sc = computeScore(s.profile, s.behaviour, now, rules);
  if (sc.temperature !== s.temperature) {
    record(s, 'temperature_changed', now, { reason: `${s.temperature} -> ${sc.temperature} at score ${sc.total}`, payload: { from: s.temperature, to: sc.temperature, score: sc.total } });
    s.temperature = sc.temperature;
  }
  s.score = sc.total;
  return sc.total;
}

/** Leaves the running sequence (recorded); it counts as done for re-entry. */
export function leaveSequence(s: LeadState, reason: string, now: number): void {
  if (!s.seq) return;
  record(s, 'sequence_left', now, { reason, payload: { sequence: s.seq.id, version: s.seq.version, position: s.seq.path.join('.') } });
  s.sequencesDone = s.sequencesDone.includes(s.seq.id) ? s.sequencesDone : [...s.sequencesDone, s.seq.id];
  s.sequencesDoneThisStage = [...s.sequencesDoneThisStage, s.seq.id];
  s.seq = null;
  s.seqContent = null;
}

/** Dedups by id; returns false for a duplicate delivery. */
export function markSeen(s: LeadState, id: string): boolean {
  if (s.seen.includes(id)) {
    s.duplicatesIgnored += 1;
    return false;
  }
  s.seen = [...s.seen, id].slice(-SEEN_IDS_KEPT);
  return true;
}

/** Folds one behaviour event into the score memory and the facts sequences look at. */
export function absorbEvent(s: LeadState, e: LeadEventSignal, points: number, at: number, rules: ScoringRules, now: number): void {
  s.eventsReceived += 1;
  s.eventsThisRun += 1;
  s.lastEventAt = { ...s.lastEventAt, [e.type]: at };
  if (e.type === 'page_viewed' && typeof e.data?.url === 'string') {
    s.pageViews = [...s.pageViews, { url: e.data.url.replace(/^[a-z]+:\/\/[^/]+/i, ''), at }].slice(-PAGE_VIEWS_KEPT);
  }
  // Behaviour from before the last "no" (a late delivery) does not count toward a return to sales.
  if (points !== 0 && at >= s.readinessSince) s.behaviour = addEvent(s.behaviour, { id: e.id, type: e.type, at, points }, now, rules);
  record(s, e.type, at, { payload: { ...(e.data ?? {}), points } }, `${s.leadId}:e:${e.id}`);
}

/** Months until re-qualification from a survey answer: the answer's own horizon, else the reason's default. */
export function surveyRevisitMonths(reason: string, revisitMonths: unknown): number {
  const asked = Number(revisitMonths);
  const base = asked > 0 ? asked : (SURVEY_REASONS_DEFAULT_MONTHS[reason as RejectionReason] ?? DEFAULT_REQUALIFY_MONTHS);
  return reason === 'chose_competitor' ? Math.max(base, COMPETITOR_MIN_MONTHS) : base;
}

/** The survey said "later" (bad timing, or a horizon to come back at): a manager should call then. */
export function surveyAsksForContact(survey: Record<string, unknown> | undefined): boolean {
  if (!survey) return false;
  return survey.reason === 'bad_timing' || (typeof survey.timing === 'string' && survey.timing.startsWith('in_'));
}

export function bantGap(bant: Bant): BantKey[] {
  return BANT_KEYS.filter((k) => !bant[k]?.passed);
}

export function bantComplete(bant: Bant): boolean {
  return BANT_KEYS.every((k) => bant[k] !== undefined);
}
