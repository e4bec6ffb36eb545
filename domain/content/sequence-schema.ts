// A nurture sequence (content/sequences/, written with the helpers of workflows/sequences/dsl.ts) as
// zod sees it: the one source of the DSL's types (z.infer of these schemas; workflow code imports them
// type only, so no zod enters the workflow bundle) and of the checks the worker runs at start
// (./definitions.ts).
import { z } from 'zod';
import type { ProfileField } from '../../workflows/types';
import { duration } from '../duration';
import { calendarRuleSchema } from './calendar-rule-schema';
import { eventType, profileKey, stage, temperature } from './lead-terms';

const temperatures = z.array(temperature);
const reason = z.string().min(1);
/** Needed only as a `goto` target; step keys in ledgers are positions within the version. */
const label = z.string().optional();

// Conditions and steps nest. A nested list is a getter (zod reads it when it parses, after the
// schema exists) calling one of these, whose return types are written out: TypeScript cannot infer a
// value's type from itself. (No z.lazy, no hand-written types.)
const conditions = (): z.ZodArray<typeof conditionSchema> => z.array(conditionSchema).min(1);
const steps = (): z.ZodArray<typeof stepSchema> => z.array(stepSchema);

export const conditionSchema = z.union([
  z.object({ score: z.object({ gte: z.number().optional(), lt: z.number().optional() }) }).strict(),
  z.object({ temperature: temperatures.min(1) }).strict(),
  z.object({ field: profileKey<ProfileField>(), equals: z.union([z.string(), z.number()]).optional(), exists: z.boolean().optional() }).strict(),
  /** The lead did `did` (at least once, within the duration if given). */
  z.object({ did: eventType, within: duration.optional(), urlPrefix: z.string().optional() }).strict(),
  z.object({ get all() { return conditions(); } }).strict(),
  z.object({ get any() { return conditions(); } }).strict(),
  z.object({ get not(): typeof conditionSchema { return conditionSchema; } }).strict(),
]);
export type Condition = z.infer<typeof conditionSchema>;

export const goalSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('stage'), stages: z.array(stage).min(1), label: z.string() }),
  z.object({ kind: z.literal('event'), events: z.array(eventType).min(1), urlPrefix: z.string().optional(), label: z.string() }),
  z.object({ kind: z.literal('score'), atLeast: z.number(), label: z.string() }),
]);
export type Goal = z.infer<typeof goalSchema>;

const sendStepSchema = z.object({
  kind: z.literal('send'),
  label,
  template: z.string().min(1),
  /**
   * Overrides of the template's subject, per locale ('*' = any), looked up like the words are:
   * 'en-US', then 'en', then '*' (subjectFor). Placeholders render like the template's own.
   */
  subject: z.record(z.string(), z.string().regex(/^[^\r\n]*$/, 'no line breaks in a subject')).optional(),
  /** Forces a locale (else the lead's locale, falling back to en). */
  locale: z.string().optional(),
  /** Extra template variables, constant per step. */
  variables: z.record(z.string(), z.string()).optional(),
  /** Held back from weekends and the lead's country's public holidays (its local dates) to the next business day, 09:00. */
  businessDays: z.boolean().optional(),
});
const waitStepSchema = z.object({
  kind: z.literal('wait'),
  label,
  duration,
  /** Whole days count business days only (no weekends, no public holidays of the lead's country). */
  businessDays: z.boolean().optional(),
});
const waitUntilStepSchema = z.object({ kind: z.literal('waitUntil'), label, rule: calendarRuleSchema });
const waitForStepSchema = z.object({
  kind: z.literal('waitFor'),
  label,
  events: z.array(eventType).min(1),
  urlPrefix: z.string().optional(),
  timeout: duration,
  get onEvent() { return steps(); },
  get onTimeout() { return steps(); },
});
const branchStepSchema = z.object({ kind: z.literal('branch'), label, when: conditionSchema, get then() { return steps(); }, get else() { return steps(); } });
const splitVariant = z.object({ name: z.string().regex(/^\w+$/), percent: z.number().int().min(0).max(100), get steps() { return steps(); } });
const splitStepSchema = z.object({ kind: z.literal('split'), label, variants: z.array(splitVariant).min(2) });
const setStageStepSchema = z.object({ kind: z.literal('setStage'), label, stage, reason });
const addScoreStepSchema = z.object({ kind: z.literal('addScore'), label, points: z.number().finite(), reason });
const notifySalesStepSchema = z.object({ kind: z.literal('notifySales'), label, reason });
const gotoStepSchema = z.object({ kind: z.literal('goto'), label, target: z.string().min(1) });
const endStepSchema = z.object({ kind: z.literal('end'), label, reason });

export const stepSchema = z.discriminatedUnion('kind', [
  sendStepSchema,
  waitStepSchema,
  waitUntilStepSchema,
  waitForStepSchema,
  branchStepSchema,
  splitStepSchema,
  setStageStepSchema,
  addScoreStepSchema,
  notifySalesStepSchema,
  gotoStepSchema,
  endStepSchema,
]);

export type Step = z.infer<typeof stepSchema>;
/** The step of one kind, e.g. StepOf<'wait'>. */
export type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;
export type SendStep = StepOf<'send'>;
export type SplitStep = StepOf<'split'>;

export const sequenceEntrySchema = z.object({
  stages: z.array(stage).min(1),
  temperatures: temperatures.optional(),
  sources: z.array(z.string()).optional(),
  /** Only leads in this published segment (content/segments), asked of the database at entry. */
  segment: z.string().min(1).optional(),
  /** May a lead that finished (or left) this sequence enter it again? */
  reentry: z.boolean(),
  /** Higher wins when several sequences match. */
  priority: z.number().int(),
});
export type SequenceEntry = z.infer<typeof sequenceEntrySchema>;

export const sequenceDefinitionSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/, 'ids are lower-case words joined by -'),
  version: z.number().int().positive(),
  name: z.string().min(1),
  description: z.string(),
  entry: sequenceEntrySchema,
  /** Leave at once when any is met, not at the next step. */
  goals: z.array(goalSchema),
  steps: z.array(stepSchema).min(1),
});
export type SequenceDefinition = z.infer<typeof sequenceDefinitionSchema>;
