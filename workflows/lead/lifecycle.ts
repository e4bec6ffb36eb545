// One durable workflow per lead (id `lead-<leadId>`), from first touch to client or deferred demand:
// the thin Temporal shell over the pure concerns (qualification/, handoff/, deferred/, offers/,
// greetings/ -- each `decide(state, message, now) -> { state, commands }`). Handlers only decide
// and queue; one main loop performs every command, in order, through the one effect boundary
// (./effects.ts). Content (rules, sequences) is loaded through recorded activities and pinned.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { LeadSnapshot, SendEmailResult } from '../activity-contract';
import { decide as deferred, type DeferredMessage } from '../deferred/decide';
import { decide as greetings } from '../greetings/decide';
import { decide as handoff, type HandoffMessage } from '../handoff/decide';
import * as M from './messages';
import { decide as offers, malformedOffer } from '../offers/decide';
import { decide as qualification } from '../qualification/decide';
import * as SA from '../search-attributes';
import { featureChanges, featuresOf, mergeFeatures } from '../features';
import { LEAD_EVENT_TYPES, type LeadEventSignal, type LeadFeatures, type LeadProfile, type Stage } from '../types';
import type { Command, Decision, MailRequest, Outcome, Performed } from './commands';
import { effectBoundary, HOLIDAY_LOOKUP_LOCAL_PATCH, waitInAttention, type BoundaryHooks } from './effects';
import { mailPriority } from './mail-priority';
import { driveSequences, positionKey, positionOf, SEGMENT_RECHECK_PATCH, sequenceSeesEvent, situationKey } from './sequences';
import { draft, initialState, isFinal, markSeen, record, recordFailure, type LeadState } from './state';
import * as V from './validators';
import { view } from './view';
import { nextWake } from './wake';

export interface LeadWorkflowInput {
  leadId: string;
  /** What the workflow may know of the person (intake derives it; no contact data). */
  features?: LeadFeatures;
  /** The whole profile, as runs started before `features` got it: read as its features. */
  profile?: LeadProfile;
  /** Complete state handed over by continue-as-new. */
  carried?: LeadState;
}

export interface LeadOutcome {
  stage: Stage;
  clientId: string | null;
}

/** History stays bounded: hand over after this many events even if Temporal does not ask yet. */
export const MAX_EVENTS_PER_RUN = 500;
/**
 * Since this patch the lead's sequence position (sequence, version, step) is written to its row and
 * the LeadSequenceStep search attribute, and each arrival at a step is recorded (`sequence_step`).
 * Histories from before it replay without those writes and upserts.
 */
export const SEQUENCE_POSITION_PATCH = 'sequence-position';
const OUTBOX_KEPT = 2000;
/**
 * Since this patch a flush upserts only the search attributes whose value changed (each upsert is a
 * visibility write on the server, about 13 ms of its CPU per mail in bench/campaign.ts), and
 * NextActionTime is kept to the minute (a drip step seconds apart no longer moves it).
 */
export const LEAN_SEARCH_ATTRIBUTES_PATCH = 'search-attributes-changed-only';
const NEXT_ACTION_GRAIN_MS = 60_000;
/**
 * Since this patch no free text of or about the person enters the workflow's history through it: a
 * reject update or a lost / nurture outcome with a `note` is refused (the caller stores the note and
 * passes `noteId`, domain/sales/refusal-note.ts), a `sales_rejected` event's note and a survey event's
 * `comment` are dropped on arrival, so neither transition reasons, events (persistLead), the re-contact
 * task's request nor continue-as-new state carry them. Histories from before replay with the text.
 */
export const PRIVATE_NOTES_PATCH = 'private-notes';

// The one clock of the workflow: inside the sandbox Date.now() is the workflow task time (replay-safe).
// eslint-disable-next-line no-restricted-properties
const now = (): number => Date.now();

export async function leadLifecycle(input: LeadWorkflowInput): Promise<LeadOutcome> {
  // A state or input from before `features` held the whole profile: only its features are kept
  // (deterministic, so a replay of such a history makes the same state).
  let s: LeadState = input.carried
    ? { ...input.carried, profile: featuresOf(input.carried.profile), runs: input.carried.runs + 1, eventsThisRun: 0 }
    : initialState(input.leadId, featuresOf(input.features ?? input.profile!), now());
  // Patches are read once, in the run's first workflow task. First called later (after a local
  // activity), a replay could meet the marker in another task than the live run made it: the stack
  // test saw a nondeterminism error for search-attributes-changed-only on a query's replay.
  const tracksPosition = wf.patched(SEQUENCE_POSITION_PATCH);
  const leanSearchAttributes = wf.patched(LEAN_SEARCH_ATTRIBUTES_PATCH);
  const rechecksSegments = wf.patched(SEGMENT_RECHECK_PATCH);
  const privateNotes = wf.patched(PRIVATE_NOTES_PATCH);
  const holidayLookupLocal = wf.patched(HOLIDAY_LOOKUP_LOCAL_PATCH);
  // A state handed over by a run from before the patch may hold a note's or comment's text: dropped,
  // so no request, event or later hand-over of this run repeats it.
  if (privateNotes && input.carried) s = { ...s, rejection: s.rejection && rejectionWithoutText(s.rejection), inbox: s.inbox.map(withoutFreeText) };
  let kick = false;
  let retryRequested = false;
  /** The loop's own changes. */
  const change = (next: LeadState): void => {
    s = next;
  };
  const edit = (f: (d: LeadState) => void): void => {
    const d = draft(s);
    f(d);
    change(d);
  };
  /** A handler's change: the loop runs again at once. */
  const touch = (next: LeadState): void => {
    s = next;
    kick = true;
  };
  const touchEdit = (f: (d: LeadState) => void): void => {
    const d = draft(s);
    f(d);
    touch(d);
  };

  // --- the effect boundary ----------------------------------------------------------------------
  const hooks: BoundaryHooks = {
    now,
    failed: (activity, reason, outcome) => edit((d) => recordFailure(d, { activity, reason, outcome }, now())),
    attention: (a) => {
      if ((a === null) === (s.attention === null) && a?.attempts === s.attention?.attempts) return;
      edit((d) => {
        d.attention = a;
        record(d, a ? 'attention' : 'attention_cleared', now(), { reason: a ? `${a.activity}: ${a.reason}` : 'resumed', ...(a ? { payload: { kind: a.kind, retryAt: new Date(a.retryAt).toISOString() } } : {}) });
      });
      upsert([{ key: SA.LeadAttention, value: a ? a.kind : null }]);
    },
    takeRetryRequest: () => {
      const r = retryRequested;
      retryRequested = false;
      return r;
    },
  };
  const call = effectBoundary(hooks, { holidayLookupLocal });
  const mail = async (m: MailRequest, without: string, priorityKey = mailPriority(m)): Promise<Outcome<SendEmailResult>> => {
    const o = await call('sendEmail', [{ leadId: s.leadId, locale: s.profile.locale, now: new Date(now()).toISOString(), ...m }], without, { priorityKey });
    if (o.ok && o.value.status === 'bounced') edit((d) => void (d.undeliverable = true));
    return o;
  };

  async function perform(c: Command): Promise<Performed> {
    const done = (outcome: Outcome<unknown>): Performed => ({ kind: 'performed', command: c, outcome }) as Performed;
    switch (c.kind) {
      case 'sendEmail':
        return done(await mail(c.mail, 'mail skipped', mailPriority(c.mail, c.purpose.kind)));
      case 'routeLead':
        return done(await call('routeLead', [c.req], 'routing tried again by the routing loop'));
      case 'closeAssignment':
        return done(await call('closeAssignment', [c.assignmentId, c.status], 'assignment row left as it was'));
      case 'createClient':
        return done(await call('createClient', [s.leadId, c.deal], 'no client created; the lead stays where it is'));
      case 'createRecontactTask':
        return done(await call('createRecontactTask', [c.req], `lead moves on to ${c.then} without a task`));
      case 'nextHoliday':
        return done(await call('nextHoliday', [c.country, c.locale, c.timezone, c.after], 'looked up again a day later'));
    }
  }

  /** Applies a decision, performs its commands in order, and hands each outcome back to `decide`. */
  async function execute(d: Decision, decide: (st: LeadState, m: Performed, t: number) => Decision): Promise<void> {
    change(d.state);
    for (const c of d.commands) {
      const p = await perform(c);
      // Decided on the state as it is now: handlers may have changed it while the effect ran.
      await execute(decide(s, p, now()), decide);
    }
  }
  const onHandoff = (st: LeadState, m: HandoffMessage, t: number): Decision => handoff(st, m, t);
  const onDeferred = (st: LeadState, m: DeferredMessage, t: number): Decision => deferred(st, m, t);

  // --- messages ---------------------------------------------------------------------------------
  const current = (): M.LeadView => view(s, s.rules?.rules ?? null, now());
  wf.setHandler(M.stateQuery, current);

  wf.setHandler(M.leadEventSignal, (e) => {
    // Malformed payloads are dropped here (and recorded): one poison event must not block the lead.
    if (!e || typeof e.id !== 'string' || !e.id || !LEAD_EVENT_TYPES.includes(e.type)) {
      touchEdit((d) => record(d, 'event_rejected', now(), { reason: 'malformed leadEvent payload', payload: { received: JSON.stringify(e ?? null).slice(0, 500) } }));
      return;
    }
    const kept = privateNotes ? withoutFreeText(e) : e;
    touchEdit((d) => {
      if (markSeen(d, e.id)) d.inbox = [...d.inbox, kept];
    });
  });
  wf.setHandler(M.profileUpdatedSignal, ({ id, changes }) =>
    touchEdit((d) => {
      if (!markSeen(d, `profile:${id}`)) return;
      d.profile = mergeFeatures(d.profile, changes);
      record(d, 'profile_updated', now(), { payload: featureChanges(changes as Partial<LeadProfile>) as Record<string, unknown> });
    }),
  );
  wf.setHandler(M.managerCapacityFreedSignal, () => touch(handoff(s, { kind: 'capacityFreed' }, now()).state));
  wf.setHandler(M.recontactTaskClosedSignal, (c) => {
    // Only the task this lead holds counts (a late signal for an older task changes nothing).
    if (!c || typeof c.taskId !== 'string' || s.recontactTask?.id !== c.taskId) return;
    touchEdit((d) => {
      d.recontactTask = null;
      record(d, 'recontact_task_closed', now(), { reason: `closed by the manager: ${c.status}`, payload: { taskId: c.taskId } });
    });
  });
  wf.setHandler(M.offerSignal, (o) => {
    const bad = malformedOffer(o);
    if (bad) touchEdit((d) => record(d, 'event_rejected', now(), { reason: bad, payload: { received: JSON.stringify(o ?? null).slice(0, 500) } }));
    else touch(offers(s, { kind: 'offer', input: o }, now()).state);
  });
  wf.setHandler(M.retryNowSignal, () => {
    retryRequested = true;
    kick = true;
  });

  const answerWith = (next: LeadState): M.LeadView => {
    touch(next);
    return current();
  };
  const answer = (d: Decision): M.LeadView => answerWith(d.state);
  // A lead scores with its pinned rules: an update that lands before they are loaded waits for them.
  const rulesLoaded = async (): Promise<void> => {
    if (!s.rules) await wf.condition(() => s.rules !== null);
  };
  wf.setHandler(M.recordBantUpdate, async (i) => (await rulesLoaded(), answer(qualification(s, { kind: 'bant', answers: i.answers }, now()))), { validator: (i) => V.validateBant(s, i) });
  wf.setHandler(M.rejectUpdate, async (r) => (await rulesLoaded(), answer(deferred(s, { kind: 'reject', input: r }, now()))), { validator: (r) => V.validateReject(s, r, privateNotes) });
  wf.setHandler(M.requalifyNowUpdate, ({ reason }) => answer(deferred(s, { kind: 'requalifyNow', reason: reason ?? 'ops' }, now())), { validator: (_i) => V.validateRequalify(s) });
  wf.setHandler(
    M.convertToClientUpdate,
    async (deal) => {
      touch({ ...s, pendingDeal: deal });
      // Done when the client exists, or its creation failed for good (named in `failures`).
      await wf.condition(() => s.clientId !== null || s.pendingDeal === null);
      return current();
    },
    { validator: (deal) => V.validateConversion(s, deal) },
  );
  wf.setHandler(
    M.pauseUpdate,
    ({ reason }) => answerWith({ ...draftWith((d) => record(d, 'paused', now(), { reason: reason ?? 'ops' })), paused: true }),
    { validator: (_i) => {
      V.notFinal(s);
      if (s.paused) throw new Error('lead is already paused');
    } },
  );
  wf.setHandler(
    M.resumeUpdate,
    ({ reason }) => answerWith({ ...draftWith((d) => record(d, 'resumed', now(), { reason: reason ?? 'ops' })), paused: false }),
    { validator: (_i) => {
      if (!s.paused) throw new Error('lead is not paused');
    } },
  );
  wf.setHandler(
    M.changeOwnerUpdate,
    ({ managerId, reason }) => answerWith({ ...draftWith((d) => record(d, 'owner_changed', now(), { reason, payload: { from: d.owner, to: managerId } })), owner: managerId }),
    { validator: (i) => V.validateChangeOwner(s, i) },
  );
  wf.setHandler(M.acceptAssignmentUpdate, (i) => answer(handoff(s, { kind: 'accept', input: i }, now())), { validator: (i) => V.validateAccept(s, i) });
  wf.setHandler(M.declineAssignmentUpdate, (i) => answer(handoff(s, { kind: 'decline', input: i }, now())), { validator: (i) => V.validateDecline(s, i) });
  wf.setHandler(
    M.recordOutcomeUpdate,
    async (o) => {
      await rulesLoaded();
      touch(handoff(s, { kind: 'outcome', input: o }, now()).state);
      if (o.outcome === 'won') await wf.condition(() => s.clientId !== null || s.pendingDeal === null);
      return current();
    },
    { validator: (o) => V.validateOutcome(s, o, privateNotes) },
  );
  function draftWith(f: (d: LeadState) => void): LeadState {
    const d = draft(s);
    f(d);
    return d;
  }

  // --- the loop's work --------------------------------------------------------------------------
  async function pinRules(): Promise<void> {
    for (let attempt = 1; !s.rules; attempt++) {
      const o = await call('currentScoringRules', [], 'waits for its scoring rules');
      if (o.ok) {
        edit((d) => {
          d.rules = o.value;
          record(d, 'content_pinned', now(), { reason: `scoring rules v${o.value.version}`, payload: { rules: o.value.version, hash: o.value.hash } });
        });
      } else await waitInAttention(hooks, 'db', 'currentScoringRules', o.reason, attempt);
    }
    hooks.attention(null);
  }

  const applyEvent = (e: LeadEventSignal): void => {
    const at = e.at && Number.isFinite(Date.parse(e.at)) ? Math.min(Date.parse(e.at), now()) : now();
    let st = qualification(s, { kind: 'event', event: e, at }, now()).state;
    st = sequenceSeesEvent(st, e, now());
    change(deferred(st, { kind: 'event', event: e }, now()).state);
  };

  const seqCtx = { get: () => s, set: change, now, call, mail, tracksPosition: () => tracksPosition, rechecksSegments: () => rechecksSegments };

  /** Stage-driven work; loops until the lead is stable. */
  async function act(): Promise<void> {
    for (let guard = 0; guard < 20; guard++) {
      const before = JSON.stringify([s.stage, s.seq?.id ?? null, s.seqNoneFor]);
      await execute(handoff(s, { kind: 'tick' }, now()), onHandoff);
      if (isFinal(s.stage) || s.paused) return;
      change(qualification(s, { kind: 'tick' }, now()).state);
      await execute(deferred(s, { kind: 'tick', noSequence: !s.seq && s.seqNoneFor === situationKey(s, rechecksSegments) }, now()), onDeferred);
      await execute(greetings(s, { kind: 'tick' }, now()), greetings);
      await execute(offers(s, { kind: 'tick' }, now()), offers);
      if (isFinal(s.stage)) return;
      await driveSequences(seqCtx);
      if (JSON.stringify([s.stage, s.seq?.id ?? null, s.seqNoneFor]) === before) return;
    }
  }

  let synced = '';
  async function flush(): Promise<void> {
    const tracked = tracksPosition;
    const position = positionOf(s);
    const snap: LeadSnapshot = { stage: s.stage, temperature: s.temperature, score: s.score, ownerId: s.owner, ...(tracked ? { position } : {}) };
    const snapKey = JSON.stringify(snap);
    const key = JSON.stringify([snapKey, s.queue, s.seq ? `${s.seq.id}@v${s.seq.version}` : null, s.nextWake?.at ?? null]);
    const batch = s.outbox;
    const snapDue = key !== synced && !synced.startsWith(`["${snapKey.replace(/"/g, '\\"')}"`);
    if (batch.length || snapDue) {
      change({ ...s, outbox: [] });
      const o = await call('persistLead', [s.leadId, batch, snapDue ? snap : null], 'kept and written with the next batch');
      // Not written: kept, in order, for the next flush (bounded).
      if (!o.ok) change({ ...s, outbox: [...batch, ...s.outbox].slice(-OUTBOX_KEPT) });
    }
    if (key === synced) return;
    synced = key;
    const lean = leanSearchAttributes;
    const wakeAt = s.nextWake ? (lean ? Math.floor(s.nextWake.at / NEXT_ACTION_GRAIN_MS) * NEXT_ACTION_GRAIN_MS : s.nextWake.at) : null;
    upsert([
      { key: SA.LeadStage, value: s.stage },
      { key: SA.LeadTemperature, value: s.temperature },
      { key: SA.LeadScore, value: s.score },
      { key: SA.LeadSource, value: s.profile.source },
      { key: SA.LeadSequence, value: s.seq ? `${s.seq.id}@v${s.seq.version}` : null },
      { key: SA.AssignedManager, value: s.owner },
      { key: SA.LeadQueue, value: s.queue },
      { key: SA.NextActionTime, value: wakeAt === null ? null : new Date(wakeAt) },
      { key: SA.LeadAttention, value: s.attention?.kind ?? null },
      ...(tracked ? [{ key: SA.LeadSequenceStep, value: position ? positionKey(position) : null }] : []),
    ]);
  }

  /** Search attributes as last upserted in this run (a new run starts empty: its first flush sends all). */
  const upserted = new Map<string, unknown>();
  function upsert(pairs: SearchAttributeUpdatePair[]): void {
    const value = (v: unknown): unknown => (v instanceof Date ? v.getTime() : v);
    const changed = leanSearchAttributes ? pairs.filter((p) => upserted.get(p.key.name) !== value(p.value)) : pairs;
    for (const p of changed) upserted.set(p.key.name, value(p.value));
    if (changed.length) wf.upsertSearchAttributes(changed);
  }

  // --- main loop --------------------------------------------------------------------------------
  if (!input.carried) record(s, 'lead_created', now(), { reason: `source ${s.profile.source}`, payload: { source: s.profile.source } });
  await pinRules();
  // Double opt-in: the confirmation mail goes once, from here rather than the API, so an API crash
  // cannot lose it. Marketing mail waits (sendEmail defers consent_pending) until consent_confirmed.
  if (!input.carried && s.profile.consent === 'pending') {
    const o = await mail({ idempotencyKey: `${s.leadId}:double-opt-in`, template: 'double-opt-in', kind: 'transactional', variables: {} }, 'no confirmation mail; consent stays pending');
    edit((d) => record(d, 'double_opt_in_requested', now(), { reason: o.ok ? o.value.status : `failed: ${o.reason}` }));
  }
  for (;;) {
    // A change from here on (a handler running while act or flush awaits) re-runs the loop at once.
    kick = false;
    while (s.inbox.length) {
      const [e, ...rest] = s.inbox;
      change({ ...s, inbox: rest });
      applyEvent(e);
    }
    await act();
    change({ ...s, nextWake: isFinal(s.stage) ? null : nextWake(s, now()) });
    await flush();
    if (isFinal(s.stage)) break;
    if (wf.workflowInfo().continueAsNewSuggested || s.eventsThisRun >= MAX_EVENTS_PER_RUN) {
      // Let running update handlers finish so their callers get answers, then hand over the whole
      // state; events that arrive meanwhile sit in the carried inbox.
      await wf.condition(wf.allHandlersFinished);
      await flush();
      await wf.continueAsNew<typeof leadLifecycle>({ leadId: s.leadId, features: s.profile, carried: s });
    }
    const wake = s.nextWake;
    if (wake) await wf.condition(() => kick || s.inbox.length > 0, Math.max(wake.at - now(), 1));
    else await wf.condition(() => kick || s.inbox.length > 0);
  }
  await wf.condition(wf.allHandlersFinished);
  return { stage: s.stage, clientId: s.clientId };
}

/** Event data keys that are free text of or about the person (the database keeps the text). */
const FREE_TEXT_KEYS: Partial<Record<LeadEventSignal['type'], string>> = { sales_rejected: 'note', survey_answered: 'comment' };
function withoutFreeText(e: LeadEventSignal): LeadEventSignal {
  const key = FREE_TEXT_KEYS[e.type];
  if (!key || !e.data || !(key in e.data)) return e;
  const { [key]: _dropped, ...data } = e.data;
  return { ...e, data };
}
function rejectionWithoutText(r: NonNullable<LeadState['rejection']>): NonNullable<LeadState['rejection']> {
  const { note: _note, survey, ...rest } = r;
  if (!survey || !('comment' in survey)) return { ...rest, ...(survey ? { survey } : {}) };
  const { comment: _comment, ...codes } = survey;
  return { ...rest, survey: codes };
}
