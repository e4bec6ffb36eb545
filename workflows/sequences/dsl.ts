// The nurture-sequence DSL marketers write. Plain typed data built by small helpers, so a
// sequence can be validated (domain/content/definitions.ts), linted (cli/sequences.ts lint), previewed,
// and interpreted deterministically by the lead workflow (workflows/sequences/interpreter.ts).
import type { CalendarRule } from '../activity-contract';
import type { Duration } from '../duration';
import type { LeadEventType, Stage } from '../types';
// The types are the zod schemas' (domain/content/sequence-schema.ts), imported as types only: the
// workflow bundle gets no zod.
import type { Condition, Goal, SendStep, SequenceDefinition, SplitStep, Step, StepOf } from '../../domain/content/sequence-schema';

export type { Condition, Goal, SendStep, SequenceDefinition, SplitStep, Step, StepOf };
export type { SequenceEntry } from '../../domain/content/sequence-schema';
export type { Duration } from '../duration';
export type { ProfileField } from '../types';

/** The subject override for a lead's locale: the exact tag, then its language, then '*'. */
export function subjectFor(subject: Record<string, string>, locale: string): string | undefined {
  const keys = Object.keys(subject);
  const find = (tag: string): string | undefined => {
    const k = keys.find((x) => x.toLowerCase() === tag.toLowerCase());
    return k === undefined ? undefined : subject[k];
  };
  return find(locale) ?? find(locale.split(/[-_]/)[0]) ?? subject['*'];
}

/**
 * A sequence file exports every version that running leads may still be on. Leads keep the
 * version they entered with; `migrate` may move them explicitly (old position key -> new one).
 */
export interface SequenceModule {
  current: SequenceDefinition;
  previous?: SequenceDefinition[];
  migrate?: { fromVersion: number; positions: Record<string, string> }[];
}

// --- Builders: what a marketer types ---------------------------------------------------------------
export const send = (template: string, options: Omit<SendStep, 'kind' | 'template'> = {}): SendStep => ({ kind: 'send', template, ...options });
/** `wait('2 days', { businessDays: true })`: Friday -> Tuesday; a string second argument is the label. */
export const wait = (duration: Duration, options?: string | { label?: string; businessDays?: boolean }): StepOf<'wait'> => {
  const o = typeof options === 'string' ? { label: options } : (options ?? {});
  return { kind: 'wait', duration, ...(o.label ? { label: o.label } : {}), ...(o.businessDays ? { businessDays: true } : {}) };
};
export const waitUntil = (rule: CalendarRule, label?: string): StepOf<'waitUntil'> => ({ kind: 'waitUntil', rule, ...(label ? { label } : {}) });
export const waitFor = (
  events: LeadEventType[],
  timeout: Duration,
  branches: { onEvent: Step[]; onTimeout: Step[]; urlPrefix?: string; label?: string },
): StepOf<'waitFor'> => ({ kind: 'waitFor', events, timeout, ...branches });
export const branch = (when: Condition, then: Step[], otherwise: Step[] = [], label?: string): StepOf<'branch'> => ({
  kind: 'branch',
  when,
  then,
  else: otherwise,
  ...(label ? { label } : {}),
});
export const split = (variants: SplitStep['variants'], label?: string): SplitStep => ({ kind: 'split', variants, ...(label ? { label } : {}) });
export const setStage = (stage: Stage, reason: string): StepOf<'setStage'> => ({ kind: 'setStage', stage, reason });
export const addScore = (points: number, reason: string): StepOf<'addScore'> => ({ kind: 'addScore', points, reason });
export const notifySales = (reason: string): StepOf<'notifySales'> => ({ kind: 'notifySales', reason });
export const goto = (target: string): StepOf<'goto'> => ({ kind: 'goto', target });
export const end = (reason: string): StepOf<'end'> => ({ kind: 'end', reason });
export const label = <S extends Step>(name: string, step: S): S => ({ ...step, label: name });

export const goal = {
  stage: (...stages: Stage[]): Goal => ({ kind: 'stage', stages, label: `became ${stages.join('/')}` }),
  event: (events: LeadEventType[], urlPrefix?: string): Goal => ({
    kind: 'event',
    events,
    ...(urlPrefix ? { urlPrefix } : {}),
    label: `${events.join('/')}${urlPrefix ? ` ${urlPrefix}` : ''}`,
  }),
  score: (atLeast: number): Goal => ({ kind: 'score', atLeast, label: `score >= ${atLeast}` }),
};

export function defineSequence(def: SequenceDefinition): SequenceDefinition {
  return def;
}
