// The semantic checks on a nurture sequence, beyond its zod shape (domain/content/definitions.ts): what a
// marketer can get wrong that would strand or mis-mail a lead. One place for them: the worker runs
// them at start (definitionProblems) and `npm run sequences -- lint` prints them.
import { SYSTEM_VARIABLES, TEMPLATES, isTemplateId } from '../mail/templates';
import type { SequenceDefinition, Step } from '../../workflows/sequences/dsl';
import { advance, findLabel, pathKey, walk, type Path } from '../../workflows/sequences/interpreter';

/**
 * Variables the lead workflow passes to every sequence send besides the step's own (fx.send in
 * workflows/lead/sequences.ts); the send activity adds SYSTEM_VARIABLES.
 */
export const WORKFLOW_SEND_VARIABLES = ['firstName', 'company'] as const;

const END = 'END';
type Node = string;
const WAITING: ReadonlySet<Step['kind']> = new Set(['wait', 'waitUntil', 'waitFor']);

/** The steps that may run right after `step` at `path`, exactly as the interpreter moves. */
function successors(def: SequenceDefinition, path: Path, step: Step): Node[] {
  const after = (): Node => {
    const p = advance(def, path);
    return p ? pathKey(p) : END;
  };
  const into = (arm: string, list: Step[]): Node => (list.length ? pathKey([...path, arm, 0]) : after());
  switch (step.kind) {
    case 'branch':
      return [into('then', step.then), into('else', step.else)];
    case 'waitFor':
      return [into('onEvent', step.onEvent), into('onTimeout', step.onTimeout)];
    case 'split':
      return step.variants.map((v) => into(`v:${v.name}`, v.steps));
    case 'goto': {
      // A missing target is reported on its own; the interpreter ends the sequence there.
      const target = findLabel(def, step.target);
      return [target ? pathKey(target) : END];
    }
    case 'end':
      return [END];
    default:
      return [after()];
  }
}

interface Graph {
  steps: Map<Node, Step>;
  next: Map<Node, Node[]>;
  reachable: Set<Node>;
}

function graph(def: SequenceDefinition): Graph {
  const steps = new Map<Node, Step>();
  const next = new Map<Node, Node[]>();
  for (const { path, step } of walk(def.steps)) {
    steps.set(pathKey(path), step);
    next.set(pathKey(path), successors(def, path, step));
  }
  const reachable = new Set<Node>();
  const todo: Node[] = def.steps.length ? ['0'] : [];
  while (todo.length) {
    const n = todo.pop()!;
    if (n === END || reachable.has(n)) continue;
    reachable.add(n);
    todo.push(...(next.get(n) ?? []));
  }
  return { steps, next, reachable };
}

/** Reachable steps from which no path reaches the end: the lead would stay in the sequence forever. */
function neverEnds(g: Graph, at: (n: Node) => string): string[] {
  const canEnd = new Set<Node>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of g.reachable) {
      if (!canEnd.has(n) && g.next.get(n)!.some((m) => m === END || canEnd.has(m))) {
        canEnd.add(n);
        grew = true;
      }
    }
  }
  const stuck = [...g.reachable].filter((n) => !canEnd.has(n));
  // Every stuck path ends in a loop: name the steps of those loops, where the lead goes round.
  const loops = stuck.filter((n) => {
    const seen = new Set<Node>();
    const todo = [...g.next.get(n)!];
    while (todo.length) {
      const m = todo.pop()!;
      if (m === n) return true;
      if (m === END || seen.has(m)) continue;
      seen.add(m);
      todo.push(...g.next.get(m)!);
    }
    return false;
  });
  if (!loops.length) return [];
  return [
    `${at(loops[0])}: a path that never ends: steps ${loops.join(', ')} loop and no path from them reaches the end of the sequence ` +
      `(only a goal could take the lead out); add an end() or a way out of the goto loop`,
  ];
}

/** A goto that comes back to itself through steps none of which waits: it would spin until the step guard aborts it. */
function gotoLoopsWithoutWait(g: Graph, at: (n: Node) => string): string[] {
  const out: string[] = [];
  for (const [n, step] of g.steps) {
    if (step.kind !== 'goto' || !g.reachable.has(n)) continue;
    // Depth-first over non-waiting steps, remembering how each was reached to name the loop.
    const from = new Map<Node, Node>();
    const todo = g.next.get(n)!.map((m) => [m, n] as const);
    let closed = false;
    while (todo.length && !closed) {
      const [m, prev] = todo.pop()!;
      if (m === END || from.has(m) || WAITING.has(g.steps.get(m)!.kind)) continue;
      from.set(m, prev);
      if (m === n) closed = true;
      else todo.push(...g.next.get(m)!.map((x) => [x, m] as const));
    }
    if (!closed) continue;
    const chain: Node[] = [];
    for (let m = from.get(n)!; m !== n; m = from.get(m)!) chain.unshift(m);
    out.push(`${at(n)}: goto "${step.target}" loops without a wait (steps ${[n, ...chain, n].join(' -> ')}): add a wait, waitUntil or waitFor inside the loop`);
  }
  return out;
}

/** The template's required variables that neither the workflow, the step nor the send activity provide. */
function missingVariables(template: keyof typeof TEMPLATES, step: Extract<Step, { kind: 'send' }>): string[] {
  const shape = TEMPLATES[template].variables.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
  const provided = new Set<string>([...WORKFLOW_SEND_VARIABLES, ...SYSTEM_VARIABLES, ...Object.keys(step.variables ?? {})]);
  return Object.keys(shape).filter((name) => !provided.has(name) && !shape[name].safeParse(undefined).success);
}

/** Every semantic problem of one sequence version, each naming the step (`where step 2.onEvent.0`). */
export function lintSequence(def: SequenceDefinition, where = `sequence ${def.id}@v${def.version}`): string[] {
  const out: string[] = [];
  const at = (n: Node): string => `${where} step ${n}`;
  const labels = new Set<string>();
  for (const { path, step: s } of walk(def.steps)) {
    const here = at(pathKey(path));
    if (s.label) {
      if (labels.has(s.label)) out.push(`${here}: label "${s.label}" is used twice`);
      labels.add(s.label);
    }
    if (s.kind === 'send') {
      if (!isTemplateId(s.template)) out.push(`${here}: unknown template "${s.template}"`);
      else {
        const spec = TEMPLATES[s.template];
        if (spec.kind !== 'marketing') {
          out.push(`${here}: send ${s.template} has no unsubscribe link: "${s.template}" is a ${spec.kind} template; sequences may only send marketing templates, which carry it`);
        }
        for (const name of missingVariables(s.template, s)) {
          out.push(`${here}: template ${s.template} needs variable "${name}", which the sequence does not provide (add it to the step's variables)`);
        }
        const bad = spec.variables.safeParse({ ...Object.fromEntries(WORKFLOW_SEND_VARIABLES.map((v) => [v, null])), ...s.variables });
        if (!bad.success) {
          for (const i of bad.error.issues) {
            const name = i.path.join('.');
            if (name in (s.variables ?? {})) out.push(`${here}: variable "${name}" for ${s.template}: ${i.message}`);
          }
        }
      }
    }
    if (s.kind === 'split') {
      const sum = s.variants.reduce((a, v) => a + v.percent, 0);
      if (sum !== 100) out.push(`${here}: split percentages add up to ${sum}, not 100`);
    }
  }
  for (const { path, step: s } of walk(def.steps)) if (s.kind === 'goto' && !labels.has(s.target)) out.push(`${at(pathKey(path))}: goto target "${s.target}" does not exist`);
  const g = graph(def);
  out.push(...neverEnds(g, at), ...gotoLoopsWithoutWait(g, at));
  return out;
}
