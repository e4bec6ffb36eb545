// Runs a SequenceDefinition one step at a time for one lead. Deterministic: all time comes from
// the caller (workflow time), all I/O goes through the Effects the lead workflow supplies, and the
// whole position lives in SequenceState, so continue-as-new and replays resume exactly where it was.
import type { CalendarRule, SendEmailResult } from '../activity-contract';
import { durationMs } from '../duration';
import type { Condition, Goal, SendStep, SequenceDefinition, Step } from './dsl';
import type { LeadEventSignal, LeadEventType, LeadFeatures, Stage, Temperature } from '../types';

/** A position: indexes into nested step lists, with the branch taken ('then', 'else', 'onEvent', 'onTimeout', 'v:<name>'). */
export type Path = (number | string)[];

export interface SequenceState {
  id: string;
  version: number;
  /** How many times this lead has entered this sequence (1 = first): part of every ledger key. */
  entry: number;
  path: Path;
  enteredAt: number;
  /** Set while a wait / waitUntil / deferred send is pending. */
  sleepUntil: number | null;
  waitingFor: { events: LeadEventType[]; urlPrefix?: string; until: number; matched: boolean } | null;
  /** Steps run since the last wait: a guard against a goto loop that never waits. */
  stepsSinceWait: number;
}

export interface LeadFacts {
  leadId: string;
  /** The person's features (no contact data: activities read that from the database). */
  profile: LeadFeatures;
  stage: Stage;
  score: number;
  temperature: Temperature;
  /** Last time (epoch ms) each event type happened, and the last URL per page view prefix check. */
  lastEventAt: Partial<Record<LeadEventType, number>>;
  pageViews: { url: string; at: number }[];
}

/** A send that failed for good (recorded by the caller): the step is skipped, the sequence goes on. */
export type SendOutcome = SendEmailResult | { status: 'failed'; reason: string };

export interface Effects {
  now(): number;
  facts(): LeadFacts;
  send(step: SendStep, stepKey: string): Promise<SendOutcome>;
  calendar(rule: CalendarRule): Promise<number>;
  /** now + plusMs counted in the lead's business days; plusMs 0: now, or the next business day's start. */
  businessTime(plusMs: number): Promise<number>;
  setStage(stage: Stage, reason: string): void;
  addScore(points: number, reason: string, stepKey: string): void;
  notifySales(reason: string, stepKey: string): Promise<void>;
  log(kind: string, stepKey: string, detail: Record<string, unknown>): void;
  /** The lead arrives at a step (first visit, not a resumed wait): where-leads-are statistics. */
  arrive?(stepKey: string): void;
}

export type Yield =
  | { kind: 'sleep'; until: number; reason: string }
  | { kind: 'waitFor'; until: number; events: LeadEventType[] }
  | { kind: 'done'; reason: string };

export const MAX_STEPS_WITHOUT_WAIT = 200;

export const pathKey = (p: Path): string => p.join('.');
/** The split variants a position lies in ("4.v:B.0" -> ["B"]): a mail's variant, read from its step key. */
export const variantsOf = (key: string): string[] => key.split('.').filter((p) => p.startsWith('v:')).map((p) => p.slice(2));
/** "4.onTimeout.0" -> [4, 'onTimeout', 0]: a position key as ledgers and migration rules write it. */
export const parsePosition = (key: string): Path => key.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));

export function startState(def: SequenceDefinition, now: number, entry = 1): SequenceState {
  return { id: def.id, version: def.version, entry, path: [0], enteredAt: now, sleepUntil: null, waitingFor: null, stepsSinceWait: 0 };
}

/** The step list that holds the last segment of `path`. */
function listAt(steps: Step[], path: Path): Step[] | undefined {
  let list: Step[] | undefined = steps;
  for (let i = 0; i < path.length - 1; i += 2) {
    const step: Step | undefined = list?.[path[i] as number];
    const arm = path[i + 1] as string;
    if (!step) return undefined;
    list = childList(step, arm);
  }
  return list;
}

function childList(step: Step, arm: string): Step[] | undefined {
  switch (step.kind) {
    case 'branch':
      return arm === 'then' ? step.then : arm === 'else' ? step.else : undefined;
    case 'waitFor':
      return arm === 'onEvent' ? step.onEvent : arm === 'onTimeout' ? step.onTimeout : undefined;
    case 'split':
      return step.variants.find((v) => `v:${v.name}` === arm)?.steps;
    default:
      return undefined;
  }
}

export function stepAt(def: SequenceDefinition, path: Path): Step | undefined {
  return listAt(def.steps, path)?.[path[path.length - 1] as number];
}

/** Next position after the step at `path` finished: next sibling, else climb out of the arm. */
export function advance(def: SequenceDefinition, path: Path): Path | null {
  let p = [...path];
  for (;;) {
    const next = [...p.slice(0, -1), (p[p.length - 1] as number) + 1];
    if (stepAt(def, next)) return next;
    if (p.length === 1) return null;
    p = p.slice(0, -2);
  }
}

/** Every step with its path, depth first (for goto targets, lint and preview). */
export function walk(steps: Step[], prefix: Path = []): { path: Path; step: Step }[] {
  const out: { path: Path; step: Step }[] = [];
  steps.forEach((step, i) => {
    const path = [...prefix, i];
    out.push({ path, step });
    const arms: [string, Step[]][] =
      step.kind === 'branch'
        ? [['then', step.then], ['else', step.else]]
        : step.kind === 'waitFor'
          ? [['onEvent', step.onEvent], ['onTimeout', step.onTimeout]]
          : step.kind === 'split'
            ? step.variants.map((v) => [`v:${v.name}`, v.steps] as [string, Step[]])
            : [];
    for (const [arm, list] of arms) out.push(...walk(list, [...path, arm]));
  });
  return out;
}

export function findLabel(def: SequenceDefinition, label: string): Path | undefined {
  return walk(def.steps).find((x) => x.step.label === label)?.path;
}

/** FNV-1a: a stable bucket 0..99 per lead and split, so A/B assignment survives replays and restarts. */
export function bucket(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 100;
}

export function evaluate(c: Condition, facts: LeadFacts, now: number): boolean {
  if ('all' in c) return c.all.every((x) => evaluate(x, facts, now));
  if ('any' in c) return c.any.some((x) => evaluate(x, facts, now));
  if ('not' in c) return !evaluate(c.not, facts, now);
  if ('score' in c) return (c.score.gte === undefined || facts.score >= c.score.gte) && (c.score.lt === undefined || facts.score < c.score.lt);
  if ('temperature' in c) return c.temperature.includes(facts.temperature);
  if ('field' in c) {
    // Contact fields are not in the workflow: whether they were given is (`filled`); their values are not.
    const v = (facts.profile as Partial<Record<string, unknown>>)[c.field];
    const present = (v !== undefined && v !== null && v !== '') || facts.profile.filled.includes(c.field);
    if (c.exists !== undefined && present !== c.exists) return false;
    return c.equals === undefined || String(v).toLowerCase() === String(c.equals).toLowerCase();
  }
  const since = c.within === undefined ? -Infinity : now - durationMs(c.within);
  if (c.did === 'page_viewed' && c.urlPrefix) return facts.pageViews.some((p) => p.at >= since && p.url.startsWith(c.urlPrefix!));
  const last = facts.lastEventAt[c.did];
  return last !== undefined && last >= since;
}

const urlOf = (e: LeadEventSignal): string => {
  const url = e.data?.url;
  return typeof url === 'string' ? url.replace(/^[a-z]+:\/\/[^/]+/i, '') : '';
};

export function eventMatches(types: LeadEventType[], urlPrefix: string | undefined, e: LeadEventSignal): boolean {
  return types.includes(e.type) && (!urlPrefix || urlOf(e).startsWith(urlPrefix));
}

/** The first goal met, checked on every event and stage change so the lead leaves at once. */
export function goalMet(def: SequenceDefinition, facts: LeadFacts, event?: LeadEventSignal): Goal | undefined {
  return def.goals.find((g) => {
    if (g.kind === 'stage') return g.stages.includes(facts.stage);
    if (g.kind === 'score') return facts.score >= g.atLeast;
    return event !== undefined && eventMatches(g.events, g.urlPrefix, event);
  });
}

/** Tells a pending waitFor about an event; returns true when it matched. */
export function notifyEvent(state: SequenceState, e: LeadEventSignal): boolean {
  const w = state.waitingFor;
  if (!w || w.matched || !eventMatches(w.events, w.urlPrefix, e)) return false;
  w.matched = true;
  return true;
}

/** Runs steps until the sequence has to wait or ends. Mutates `state`. */
export async function run(def: SequenceDefinition, state: SequenceState, fx: Effects): Promise<Yield> {
  for (;;) {
    const now = fx.now();
    const step = stepAt(def, state.path);
    if (!step) return { kind: 'done', reason: 'completed' };
    const key = pathKey(state.path);
    if (state.stepsSinceWait++ > MAX_STEPS_WITHOUT_WAIT) return { kind: 'done', reason: `aborted: ${MAX_STEPS_WITHOUT_WAIT} steps without a wait at ${key}` };
    // A step being resumed has its sleep or wait pending; anything else is a first visit.
    if (state.sleepUntil === null && state.waitingFor === null) fx.arrive?.(key);
    const next = (): boolean => {
      const p = advance(def, state.path);
      if (!p) return false;
      state.path = p;
      return true;
    };
    const enter = (arm: string, list: Step[]): boolean => {
      if (list.length) {
        state.path = [...state.path, arm, 0];
        return true;
      }
      return next();
    };
    let more: boolean;
    switch (step.kind) {
      case 'send': {
        if (state.sleepUntil !== null && now < state.sleepUntil) return { kind: 'sleep', until: state.sleepUntil, reason: `send ${step.template} deferred` };
        if (step.businessDays) {
          // Asked again after every hold-back: a quiet-hours deferral may end on a Saturday.
          const open = await fx.businessTime(0);
          if (open > now) {
            state.sleepUntil = open;
            state.stepsSinceWait = 0;
            fx.log('held', key, { template: step.template, until: new Date(open).toISOString(), reason: 'not a business day' });
            return { kind: 'sleep', until: open, reason: `send ${step.template} held to the next business day` };
          }
        }
        const result = await fx.send(step, key);
        fx.log('send', key, { template: step.template, ...result });
        if (result.status === 'deferred') {
          state.sleepUntil = Date.parse(result.until);
          state.stepsSinceWait = 0;
          return { kind: 'sleep', until: state.sleepUntil, reason: `send ${step.template} deferred (${result.reason})` };
        }
        state.sleepUntil = null;
        if (result.status === 'suppressed' || result.status === 'bounced') return { kind: 'done', reason: `mail ${result.status}` };
        // status 'failed': skipped with its reason (logged above); the next step follows.
        more = next();
        break;
      }
      case 'wait':
      case 'waitUntil': {
        if (state.sleepUntil === null) {
          state.sleepUntil = step.kind === 'waitUntil' ? await fx.calendar(step.rule) : step.businessDays ? await fx.businessTime(durationMs(step.duration)) : now + durationMs(step.duration);
          state.stepsSinceWait = 0;
        }
        if (fx.now() < state.sleepUntil) return { kind: 'sleep', until: state.sleepUntil, reason: `${step.kind} at ${key}` };
        state.sleepUntil = null;
        more = next();
        break;
      }
      case 'waitFor': {
        if (!state.waitingFor) {
          state.waitingFor = { events: step.events, ...(step.urlPrefix ? { urlPrefix: step.urlPrefix } : {}), until: now + durationMs(step.timeout), matched: false };
          state.stepsSinceWait = 0;
        }
        const w = state.waitingFor;
        if (!w.matched && now < w.until) return { kind: 'waitFor', until: w.until, events: w.events };
        state.waitingFor = null;
        fx.log('waitFor', key, { outcome: w.matched ? 'event' : 'timeout' });
        more = w.matched ? enter('onEvent', step.onEvent) : enter('onTimeout', step.onTimeout);
        break;
      }
      case 'branch': {
        const taken = evaluate(step.when, fx.facts(), now);
        fx.log('branch', key, { taken: taken ? 'then' : 'else' });
        more = taken ? enter('then', step.then) : enter('else', step.else);
        break;
      }
      case 'split': {
        const b = bucket(`${fx.facts().leadId}:${def.id}:${key}`);
        let acc = 0;
        const variant = step.variants.find((v) => (acc += v.percent) > b) ?? step.variants[step.variants.length - 1];
        fx.log('split', key, { variant: variant.name, bucket: b });
        more = enter(`v:${variant.name}`, variant.steps);
        break;
      }
      case 'setStage':
        fx.setStage(step.stage, step.reason);
        more = next();
        break;
      case 'addScore':
        fx.addScore(step.points, step.reason, key);
        more = next();
        break;
      case 'notifySales':
        await fx.notifySales(step.reason, key);
        more = next();
        break;
      case 'goto': {
        const target = findLabel(def, step.target);
        if (!target) return { kind: 'done', reason: `unknown goto target ${step.target}` };
        state.path = target;
        more = true;
        break;
      }
      case 'end':
        return { kind: 'done', reason: step.reason };
    }
    if (!more) return { kind: 'done', reason: 'completed' };
  }
}
