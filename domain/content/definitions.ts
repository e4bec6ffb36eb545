// Definitions marketers and ops write as code -- scoring rules and nurture sequences -- validated
// with zod when the worker starts. Bad definitions stop the worker with one message listing every
// problem, before any lead runs them.
import { z } from 'zod';
import type { ScoringRules } from '../../workflows/qualification/scoring';
import { scoringRules } from '../../content/scoring-rules';
import type { SequenceDefinition, SequenceModule } from '../../workflows/sequences/dsl';
import { pathKey, walk } from '../../workflows/sequences/interpreter';
import { sequenceModules } from '../../content/sequences';
import { scoringRulesSchema } from './scoring-schema';
import { sequenceDefinitionSchema } from './sequence-schema';
import { lintSequence } from './sequence-lint';
import { segments } from '../../content/segments';
import { segmentProblems } from './segment-definitions';

export class DefinitionError extends Error {
  override name = 'DefinitionError';
}

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
  const r = scoringRulesSchema.safeParse(rules);
  if (!r.success) problems.push(...issues(r.error, 'scoring'));
  const ids = new Set<string>();
  for (const m of modules) {
    const versions = [m.current, ...(m.previous ?? [])];
    for (const def of versions) {
      const where = `sequence ${def?.id ?? '?'}@v${def?.version ?? '?'}`;
      const s = sequenceDefinitionSchema.safeParse(def);
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
