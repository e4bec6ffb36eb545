// The nurture-sequence DSL marketers write. Plain typed data built by small helpers, so a
// sequence can be validated (domain/content/definitions.ts), linted (cli/sequences.ts lint), previewed,
// and interpreted deterministically by the lead workflow (workflows/sequences/interpreter.ts).
import type { CalendarRule } from '../activity-contract';
import type { Duration } from '../duration';
import type { LeadEventType, LeadProfile, Stage, Temperature } from '../types';

export type { Duration } from '../duration';

/** Only the fields a condition or goal may look at. */
export type ProfileField = keyof Omit<LeadProfile, 'consent'>;

export type Condition =
  | { score: { gte?: number; lt?: number } }
  | { temperature: Temperature[] }
  | { field: ProfileField; equals?: string | number; exists?: boolean }
  /** The lead did `event` (at least once, within the duration if given). */
  | { did: LeadEventType; within?: Duration; urlPrefix?: string }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

export type Goal =
  | { kind: 'stage'; stages: Stage[]; label: string }
  | { kind: 'event'; events: LeadEventType[]; urlPrefix?: string; label: string }
  | { kind: 'score'; atLeast: number; label: string };

interface StepBase {
  /** Needed only as a `goto` target; step keys in ledgers are positions within the version. */
  label?: string;
}
export interface SendStep extends StepBase {
  kind: 'send';
  template: string;
  /**
   * Overrides of the template's subject, per locale ('*' = any), looked up like the words are:
   * 'en-US', then 'en', then '*' (subjectFor). Placeholders render like the template's own.
   */
  subject?: Record<string, string>;
  /** Forces a locale (else the lead's locale, falling back to en). */
  locale?: string;
  /** Extra template variables, constant per step. */
  variables?: Record<string, string>;
  /** Held back from weekends and the lead's country's public holidays (its local dates) to the next business day, 09:00. */
  businessDays?: boolean;
}
/** The subject override for a lead's locale: the exact tag, then its language, then '*'. */
export function subjectFor(subject: Record<string, string>, locale: string): string | undefined {
  const keys = Object.keys(subject);
  const find = (tag: string): string | undefined => {
    const k = keys.find((x) => x.toLowerCase() === tag.toLowerCase());
    return k === undefined ? undefined : subject[k];
  };
  return find(locale) ?? find(locale.split(/[-_]/)[0]) ?? subject['*'];
}

export interface WaitStep extends StepBase {
  kind: 'wait';
  duration: Duration;
  /** Whole days count business days only (no weekends, no public holidays of the lead's country). */
  businessDays?: boolean;
}
export interface WaitUntilStep extends StepBase { kind: 'waitUntil'; rule: CalendarRule }
export interface WaitForStep extends StepBase {
  kind: 'waitFor';
  events: LeadEventType[];
  urlPrefix?: string;
  timeout: Duration;
  onEvent: Step[];
  onTimeout: Step[];
}
export interface BranchStep extends StepBase { kind: 'branch'; when: Condition; then: Step[]; else: Step[] }
export interface SplitStep extends StepBase { kind: 'split'; variants: { name: string; percent: number; steps: Step[] }[] }
export interface SetStageStep extends StepBase { kind: 'setStage'; stage: Stage; reason: string }
export interface AddScoreStep extends StepBase { kind: 'addScore'; points: number; reason: string }
export interface NotifySalesStep extends StepBase { kind: 'notifySales'; reason: string }
export interface GotoStep extends StepBase { kind: 'goto'; target: string }
export interface EndStep extends StepBase { kind: 'end'; reason: string }

export type Step =
  | SendStep
  | WaitStep
  | WaitUntilStep
  | WaitForStep
  | BranchStep
  | SplitStep
  | SetStageStep
  | AddScoreStep
  | NotifySalesStep
  | GotoStep
  | EndStep;

export interface SequenceEntry {
  stages: Stage[];
  temperatures?: Temperature[];
  sources?: string[];
  /** Only leads in this published segment (content/segments), asked of the database at entry. */
  segment?: string;
  /** May a lead that finished (or left) this sequence enter it again? */
  reentry: boolean;
  /** Higher wins when several sequences match. */
  priority: number;
}

export interface SequenceDefinition {
  id: string;
  version: number;
  name: string;
  description: string;
  entry: SequenceEntry;
  /** Leave at once when any is met, not at the next step. */
  goals: Goal[];
  steps: Step[];
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
export const wait = (duration: Duration, options?: string | { label?: string; businessDays?: boolean }): WaitStep => {
  const o = typeof options === 'string' ? { label: options } : (options ?? {});
  return { kind: 'wait', duration, ...(o.label ? { label: o.label } : {}), ...(o.businessDays ? { businessDays: true } : {}) };
};
export const waitUntil = (rule: CalendarRule, label?: string): WaitUntilStep => ({ kind: 'waitUntil', rule, ...(label ? { label } : {}) });
export const waitFor = (
  events: LeadEventType[],
  timeout: Duration,
  branches: { onEvent: Step[]; onTimeout: Step[]; urlPrefix?: string; label?: string },
): WaitForStep => ({ kind: 'waitFor', events, timeout, ...branches });
export const branch = (when: Condition, then: Step[], otherwise: Step[] = [], label?: string): BranchStep => ({
  kind: 'branch',
  when,
  then,
  else: otherwise,
  ...(label ? { label } : {}),
});
export const split = (variants: SplitStep['variants'], label?: string): SplitStep => ({ kind: 'split', variants, ...(label ? { label } : {}) });
export const setStage = (stage: Stage, reason: string): SetStageStep => ({ kind: 'setStage', stage, reason });
export const addScore = (points: number, reason: string): AddScoreStep => ({ kind: 'addScore', points, reason });
export const notifySales = (reason: string): NotifySalesStep => ({ kind: 'notifySales', reason });
export const goto = (target: string): GotoStep => ({ kind: 'goto', target });
export const end = (reason: string): EndStep => ({ kind: 'end', reason });
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
