// Definitions marketers and ops write as code -- scoring rules and nurture sequences -- validated
// with zod when the worker starts. Bad definitions stop the worker with one message listing every
// problem, before any lead runs them.
import { z } from 'zod';
import type { ScoringRules } from '../../workflows/qualification/scoring';
import { scoringRules } from '../../content/scoring-rules';
import type { SequenceDefinition, SequenceModule, Step } from '../../workflows/sequences/dsl';
import { pathKey, walk } from '../../workflows/sequences/interpreter';
import { sequenceModules } from '../../content/sequences';
import { LEAD_EVENT_TYPES, STAGES, TEMPERATURES } from '../../workflows/types';
import { duration } from '../duration';
import { lintSequence } from './sequence-lint';
import { segments } from '../../content/segments';
import { segmentProblems } from './segment-definitions';

export class DefinitionError extends Error {
  override name = 'DefinitionError';
}

const eventType = z.enum(LEAD_EVENT_TYPES, { message: `unknown event (known: ${LEAD_EVENT_TYPES.join(', ')})` });
const stage = z.enum(STAGES);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');

const scoringSchema = z
  .object({
    events: z.object(Object.fromEntries(LEAD_EVENT_TYPES.map((t) => [t, z.number().finite()])) as Record<(typeof LEAD_EVENT_TYPES)[number], z.ZodNumber>).strict(),
    pages: z.array(z.object({ prefix: z.string().startsWith('/'), points: z.number().finite() })),
    halfLifeDays: z.number().positive(),
    profile: z.object({
      seniority: z.array(z.object({ keyword: z.string().min(1), points: z.number().finite() })),
      companySize: z.array(z.object({ min: z.number().int().nonnegative(), points: z.number().finite() })),
      industries: z.record(z.string().regex(/^[a-z0-9 _-]+$/, 'industry keys are lower-case'), z.number().finite()),
      requiredFields: z.array(z.string()).min(1),
      desiredFields: z.array(z.string()),
      pointsPerDesiredField: z.number().nonnegative(),
      missingRequiredPenalty: z.number().nonnegative(),
    }),
    bands: z.object({ warm: z.number(), hot: z.number() }),
    mqlThreshold: z.number(),
    buyingSignals: z.object({
      signals: z.array(z.object({ event: eventType, urlPrefix: z.string().startsWith('/').optional(), label: z.string().min(1) }).strict()).min(1),
      needed: z.number().int().min(1),
    }),
    foldBelowPoints: z.number().positive(),
    maxListedEvents: z.number().int().min(10),
  })
  .refine((r) => r.bands.warm < r.bands.hot, { message: 'bands.warm must be below bands.hot', path: ['bands'] });

const condition: z.ZodType = z.lazy(() =>
  z.union([
    z.object({ score: z.object({ gte: z.number().optional(), lt: z.number().optional() }) }).strict(),
    z.object({ temperature: z.array(z.enum(TEMPERATURES)).min(1) }).strict(),
    z.object({ field: z.string(), equals: z.union([z.string(), z.number()]).optional(), exists: z.boolean().optional() }).strict(),
    z.object({ did: eventType, within: duration.optional(), urlPrefix: z.string().optional() }).strict(),
    z.object({ all: z.array(condition).min(1) }).strict(),
    z.object({ any: z.array(condition).min(1) }).strict(),
    z.object({ not: condition }).strict(),
  ]),
);

const step: z.ZodType<Step> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('send'), label: z.string().optional(), template: z.string().min(1), subject: z.record(z.string(), z.string().regex(/^[^\r\n]*$/, 'no line breaks in a subject')).optional(), locale: z.string().optional(), variables: z.record(z.string(), z.string()).optional(), businessDays: z.boolean().optional() }),
    z.object({ kind: z.literal('wait'), label: z.string().optional(), duration, businessDays: z.boolean().optional() }),
    z.object({ kind: z.literal('waitUntil'), label: z.string().optional(), rule: z.object({ weekdays: z.array(z.number().int().min(1).max(7)).optional(), time: hhmm, minDaysAhead: z.number().int().min(0).optional(), businessDays: z.boolean().optional() }) }),
    z.object({ kind: z.literal('waitFor'), label: z.string().optional(), events: z.array(eventType).min(1), urlPrefix: z.string().optional(), timeout: duration, onEvent: z.array(step), onTimeout: z.array(step) }),
    z.object({ kind: z.literal('branch'), label: z.string().optional(), when: condition, then: z.array(step), else: z.array(step) }),
    z.object({ kind: z.literal('split'), label: z.string().optional(), variants: z.array(z.object({ name: z.string().regex(/^\w+$/), percent: z.number().int().min(0).max(100), steps: z.array(step) })).min(2) }),
    z.object({ kind: z.literal('setStage'), label: z.string().optional(), stage, reason: z.string().min(1) }),
    z.object({ kind: z.literal('addScore'), label: z.string().optional(), points: z.number().finite(), reason: z.string().min(1) }),
    z.object({ kind: z.literal('notifySales'), label: z.string().optional(), reason: z.string().min(1) }),
    z.object({ kind: z.literal('goto'), label: z.string().optional(), target: z.string().min(1) }),
    z.object({ kind: z.literal('end'), label: z.string().optional(), reason: z.string().min(1) }),
  ]) as z.ZodType<Step>,
);

const sequenceSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/, 'ids are lower-case words joined by -'),
  version: z.number().int().positive(),
  name: z.string().min(1),
  description: z.string(),
  entry: z.object({ stages: z.array(stage).min(1), temperatures: z.array(z.enum(TEMPERATURES)).optional(), sources: z.array(z.string()).optional(), segment: z.string().min(1).optional(), reentry: z.boolean(), priority: z.number().int() }),
  goals: z.array(
    z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('stage'), stages: z.array(stage).min(1), label: z.string() }),
      z.object({ kind: z.literal('event'), events: z.array(eventType).min(1), urlPrefix: z.string().optional(), label: z.string() }),
      z.object({ kind: z.literal('score'), atLeast: z.number(), label: z.string() }),
    ]),
  ),
  steps: z.array(step).min(1),
});

/**
 * A failed union (a condition is one of several shapes) says only "Invalid input"; report the
 * problems of the shape the value came closest to instead: the one whose problems lie deepest.
 */
function flatten(issue: z.core.$ZodIssue, base: PropertyKey[]): { path: PropertyKey[]; message: string }[] {
  if (issue.code === 'invalid_union' && issue.errors.length) {
    const depth = (errs: z.core.$ZodIssue[]): number => Math.min(...errs.map((i) => i.path.length));
    const best = [...issue.errors].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0];
    return best.flatMap((i) => flatten(i, [...base, ...issue.path]));
  }
  return [{ path: [...base, ...issue.path], message: issue.message }];
}

const issues = (e: z.ZodError, where: string): string[] =>
  e.issues.flatMap((i) => flatten(i, [])).map((i) => `${where}${i.path.length ? `.${i.path.map(String).join('.')}` : ''}: ${i.message}`);

/** Migration rules must name a kept old version, positions that exist in it, and targets in the current one. */
function migrationProblems(m: SequenceModule): string[] {
  const out: string[] = [];
  const positions = (def: SequenceDefinition): Set<string> => new Set(walk(def.steps).map((x) => pathKey(x.path)));
  const current = positions(m.current);
  for (const [i, rule] of (m.migrate ?? []).entries()) {
    const where = `sequence ${m.current.id} migrate[${i}]`;
    const from = m.previous?.find((d) => d.version === rule.fromVersion);
    if (!from) {
      out.push(`${where}: fromVersion ${rule.fromVersion} is not one of the previous versions kept in \`previous\``);
      continue;
    }
    const old = positions(from);
    for (const [at, to] of Object.entries(rule.positions)) {
      if (!old.has(at)) out.push(`${where}: position "${at}" does not exist in v${rule.fromVersion}`);
      if (!current.has(to)) out.push(`${where}: target "${to}" does not exist in v${m.current.version}`);
    }
  }
  return out;
}

export function definitionProblems(rules: ScoringRules = scoringRules, modules: SequenceModule[] = sequenceModules): string[] {
  const problems: string[] = [];
  const r = scoringSchema.safeParse(rules);
  if (!r.success) problems.push(...issues(r.error, 'scoring'));
  const ids = new Set<string>();
  for (const m of modules) {
    const versions = [m.current, ...(m.previous ?? [])];
    for (const def of versions) {
      const where = `sequence ${def?.id ?? '?'}@v${def?.version ?? '?'}`;
      const s = sequenceSchema.safeParse(def);
      if (!s.success) {
        problems.push(...issues(s.error, where));
        continue;
      }
      problems.push(...lintSequence(def, where));
      if (def.id !== m.current.id) problems.push(`${where}: previous versions must keep the id "${m.current.id}"`);
    }
    if (new Set(versions.map((v) => v.version)).size !== versions.length) problems.push(`sequence ${m.current.id}: two definitions share a version number`);
    problems.push(...migrationProblems(m));
    if (ids.has(m.current.id)) problems.push(`sequence ${m.current.id}: id used by two modules`);
    ids.add(m.current.id);
  }
  return problems;
}

export function validateDefinitions(rules?: ScoringRules, modules?: SequenceModule[]): void {
  // The shipped segments are checked with the sequences that name them.
  const problems = [...definitionProblems(rules, modules), ...segmentProblems(segments)];
  if (problems.length) throw new DefinitionError(`Invalid definitions (the worker will not start):\n${problems.map((p) => `  ${p}`).join('\n')}`);
}
