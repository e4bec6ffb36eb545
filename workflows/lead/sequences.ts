// The lead's nurture sequence: which one it enters (asked of the published catalogue through a
// recorded activity, so new content never changes a replay), the pinned version it runs, an explicit
// migration rule (published data) that may move it to a newer version, and the steps themselves
// (sequence-interpreter.ts) with their mails and calendar look-ups through the effect boundary.
import type { ChooseSequenceRequest, SendEmailResult, SequencePosition } from '../activity-contract';
import { absorbEvent, draft, leaveSequence, record, rescore, rulesOf, transition, type LeadState } from './state';
import { goalMet, notifyEvent, parsePosition, run, startState, stepAt, type Effects, type LeadFacts } from '../sequences/interpreter';
import type { LeadEventSignal } from '../types';
import { subjectFor } from '../sequences/dsl';
import type { Outcome, MailRequest } from './commands';
import type { Call } from './effects';

/** A lead in a sequence asks for a migration rule at most this often. */
export const MIGRATION_CHECK_MS = 3_600_000;

export interface SequenceContext {
  get(): LeadState;
  set(s: LeadState): void;
  now(): number;
  call: Call;
  mail(m: MailRequest, without: string): Promise<Outcome<SendEmailResult>>;
  /** Whether arrivals at steps are recorded (patched: histories from before it have none). */
  tracksPosition?(): boolean;
  /** Whether a "none" answer lapses on score and last activity too (SEGMENT_RECHECK_PATCH). */
  rechecksSegments?(): boolean;
}

/** Where the lead is now: (sequence, version, step), or null outside any sequence. */
export const positionOf = (s: LeadState): SequencePosition | null => (s.seq ? { sequence: s.seq.id, version: s.seq.version, step: s.seq.path.join('.') } : null);
/** The position as one keyword, as the LeadSequenceStep search attribute holds it: `cold-education@v1:4.onTimeout.0`. */
export const positionKey = (p: SequencePosition): string => `${p.sequence}@v${p.version}:${p.step}`;

export const facts = (s: LeadState): LeadFacts => ({
  leadId: s.leadId,
  profile: s.profile,
  stage: s.stage,
  score: s.score,
  temperature: s.temperature,
  lastEventAt: s.lastEventAt,
  pageViews: s.pageViews,
});

/** The situation sequence choice looks at; while it stays the same, a "none" answer stands. */
export const situation = (s: LeadState): ChooseSequenceRequest => ({ stage: s.stage, temperature: s.temperature, source: s.profile.source, done: s.sequencesDone, doneThisStage: s.sequencesDoneThisStage });
/**
 * Since this patch a "none" answer also lapses when the lead's score (in whole points) or its last
 * activity moves: a sequence may enter by a segment on score range or last activity, which a
 * temperature band does not show. Histories from before it replay with the narrower key.
 */
export const SEGMENT_RECHECK_PATCH = 'sequence-entry-recheck';
/** The key a "none" answer is kept under (`segmentFacts`: SEGMENT_RECHECK_PATCH is in force). */
export const situationKey = (s: LeadState, segmentFacts = false): string =>
  JSON.stringify(segmentFacts ? { ...situation(s), score: Math.round(s.score), lastEventAt: s.lastEventAt } : situation(s));

/** An event reaches the sequence: a pending waitFor may match, a goal may be met. */
export function sequenceSeesEvent(state: LeadState, e: LeadEventSignal, now: number): LeadState {
  if (!state.seq || !state.seqContent) return state;
  const s = draft(state);
  notifyEvent(s.seq!, e);
  const g = goalMet(s.seqContent!.definition, facts(s), e);
  if (g) leaveSequence(s, `goal: ${g.label}`, now);
  return s;
}

export async function driveSequences(ctx: SequenceContext): Promise<void> {
  await migrate(ctx);
  let s = draft(ctx.get());
  if (s.seq && s.seqContent) {
    // Leaving one sequence falls through to choosing the next (e.g. warm drip -> hot fast track).
    const def = s.seqContent.definition;
    const g = goalMet(def, facts(s));
    if (g) leaveSequence(s, `goal: ${g.label}`, ctx.now());
    else if (!def.entry.stages.includes(s.stage)) leaveSequence(s, `stage is now ${s.stage}`, ctx.now());
    ctx.set(s);
  }
  const keyOf = (x: LeadState): string => situationKey(x, ctx.rechecksSegments?.() ?? false);
  if (!s.seq && s.seqNoneFor !== keyOf(s)) {
    const key = keyOf(s);
    // The lead id rides along for segment entry rules; the situation key stays as it was.
    const chosen = await ctx.call('chooseSequence', [{ ...situation(s), leadId: s.leadId }], 'no sequence entered now; asked again when the lead moves');
    s = draft(ctx.get());
    if (chosen.ok && chosen.value && !s.seq) {
      const def = chosen.value.definition;
      const t = ctx.now();
      s.sequenceEntries = { ...s.sequenceEntries, [def.id]: (s.sequenceEntries[def.id] ?? 0) + 1 };
      s.seq = startState(def, t, s.sequenceEntries[def.id]);
      s.seqContent = chosen.value;
      s.seqMigrationCheckedAt = t;
      s.seqNoneFor = null;
      record(s, 'sequence_entered', t, { payload: { sequence: def.id, version: def.version, hash: chosen.value.hash } });
    } else if (!s.seq) s.seqNoneFor = key;
    ctx.set(s);
  }
  if (!s.seq || !s.seqContent) return;
  const def = s.seqContent.definition;
  const stageBefore = s.stage;
  const y = await run(def, s.seq, effects(ctx));
  s = draft(ctx.get());
  if (y.kind === 'done') leaveSequence(s, y.reason, ctx.now());
  else if (s.stage !== stageBefore && s.seq && !def.entry.stages.includes(s.stage)) leaveSequence(s, `stage is now ${s.stage}`, ctx.now());
  ctx.set(s);
}

/** A published migration rule moves the lead from the version it runs to a newer one; none, it stays. */
async function migrate(ctx: SequenceContext): Promise<void> {
  const s0 = ctx.get();
  if (!s0.seq || !s0.seqContent || (s0.seqMigrationCheckedAt !== null && ctx.now() - s0.seqMigrationCheckedAt < MIGRATION_CHECK_MS)) return;
  const at = s0.seq.path.join('.');
  const o = await ctx.call('sequenceMigration', [s0.seq.id, s0.seq.version, at], 'stays on its version; asked again later');
  const s = draft(ctx.get());
  s.seqMigrationCheckedAt = ctx.now();
  const seq = s.seq;
  if (o.ok && o.value && seq && seq.id === s0.seq.id && seq.path.join('.') === at) {
    const { to, position } = o.value;
    const path = parsePosition(position);
    // A pending wait carries over only onto a step of the same kind.
    const sameKind = stepAt(s.seqContent!.definition, seq.path)?.kind === stepAt(to.definition, path)?.kind;
    record(s, 'sequence_migrated', ctx.now(), { payload: { sequence: seq.id, from: `v${seq.version}:${at}`, to: `v${to.version}:${position}`, hash: to.hash } });
    s.seq = { ...seq, version: to.version, path, ...(sameKind ? {} : { sleepUntil: null, waitingFor: null }) };
    s.seqContent = to;
  }
  ctx.set(s);
}

function effects(ctx: SequenceContext): Effects {
  const update = (f: (s: LeadState) => void): void => {
    const s = draft(ctx.get());
    f(s);
    ctx.set(s);
  };
  return {
    now: ctx.now,
    facts: () => facts(ctx.get()),
    send: async (step, key) => {
      const s = ctx.get();
      if (s.undeliverable) return { status: 'suppressed', reason: 'address bounced' };
      const seq = s.seq!;
      const o = await ctx.mail(
        {
          idempotencyKey: `${s.leadId}:${seq.id}:v${seq.version}:e${seq.entry}:${key}`,
          template: step.template,
          kind: 'marketing',
          ...(step.locale ? { locale: step.locale } : {}),
          ...(step.subject && subjectFor(step.subject, step.locale ?? s.profile.locale) !== undefined ? { subject: subjectFor(step.subject, step.locale ?? s.profile.locale) } : {}),
          // The greeting's name and company are the send activity's to fill in, from the database.
          variables: { ...(step.variables ?? {}) },
          sequence: { id: seq.id, version: seq.version, step: key },
        },
        `mail skipped, sequence goes on`,
      );
      return o.ok ? o.value : { status: 'failed', reason: o.reason };
    },
    calendar: async (rule) => {
      const s = ctx.get();
      const after = ctx.now();
      // The country only for business days: other rules keep their recorded inputs.
      const iso = new Date(after).toISOString();
      const o = await ctx.call('nextCalendarTime', rule.businessDays ? [rule, s.profile.timezone, iso, s.profile.country ?? null] : [rule, s.profile.timezone, iso], 'waits until the same time after the minimum days instead');
      if (o.ok) return Date.parse(o.value);
      const [h, m] = rule.time.split(':').map(Number);
      const d = new Date(after + Math.max(1, rule.minDaysAhead ?? 0) * 86_400_000);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), h, m);
    },
    businessTime: async (plusMs) => {
      const s = ctx.get();
      const after = ctx.now();
      const o = await ctx.call('businessTime', [new Date(after).toISOString(), plusMs, s.profile.timezone, s.profile.country ?? null], 'waits plain calendar time instead');
      return o.ok ? Date.parse(o.value) : after + plusMs;
    },
    setStage: (stage, reason) => update((s) => void transition(s, stage, `sequence ${s.seq?.id}: ${reason}`, ctx.now())),
    addScore: (points, reason, key) =>
      update((s) => {
        const t = ctx.now();
        const rules = rulesOf(s);
        absorbEvent(s, { id: `${s.seq!.id}:v${s.seq!.version}:${key}:${s.eventsReceived}`, type: 'form_submitted', data: { manual: reason } }, 0, t, rules, t);
        s.behaviour = { ...s.behaviour, events: [...s.behaviour.events, { id: `${s.seq!.id}:${key}`, type: 'manual', at: t, points }] };
        rescore(s, rules, t);
      }),
    notifySales: async (reason) =>
      update((s) => {
        record(s, 'sales_notified', ctx.now(), { reason });
        if (s.stage === 'nurturing' || s.stage === 'mql') transition(s, 'sql', `sequence asks for sales: ${reason}`, ctx.now());
      }),
    log: (kind, key, detail) => update((s) => record(s, `sequence_${kind}`, ctx.now(), { payload: { sequence: s.seq?.id, version: s.seq?.version, step: key, ...detail } })),
    arrive: (key) => {
      if (ctx.tracksPosition?.()) update((s) => record(s, 'sequence_step', ctx.now(), { payload: { sequence: s.seq?.id, version: s.seq?.version, entry: s.seq?.entry, step: key } }));
    },
  };
}
