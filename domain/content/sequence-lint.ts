// The semantic checks on a nurture sequence, beyond its zod shape (domain/content/definitions.ts): what a
// marketer can get wrong that would strand or mis-mail a lead. One place for them: the worker runs
// them at start (definitionProblems) and `npm run sequences -- lint` prints them.
import { placeholdersOf } from '../mail/render';
import { LOCALES, SYSTEM_VARIABLES, TEMPLATES, isTemplateId } from '../mail/templates';
import type { SequenceDefinition, Step } from '../../workflows/sequences/dsl';
import { advance, findLabel, pathKey, walk, type Path } from '../../workflows/sequences/interpreter';
import { segments } from '../../content/segments';

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
  const loops = stuck.filter((n) => leadsTo(g, n, n));
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

/** Does some path from `from` (not counting itself) reach `to`? */
function leadsTo(g: Graph, from: Node, to: Node): boolean {
  const seen = new Set<Node>();
  const todo = [...g.next.get(from)!];
  while (todo.length) {
    const m = todo.pop()!;
    if (m === to) return true;
    if (m === END || seen.has(m)) continue;
    seen.add(m);
    todo.push(...g.next.get(m)!);
  }
  return false;
}

/**
 * Steps that never run. Either no path leads to them (after an end() or a goto), or every path
 * passes a stage change that ends the sequence (a stage outside the entry stages, or a stage goal)
 * and then a wait: the lead leaves when the sequence yields there, so nothing after it runs.
 */
function neverRuns(def: SequenceDefinition, g: Graph, at: (n: Node) => string): string[] {
  const ends = (stage: string): boolean => !def.entry.stages.includes(stage as never) || def.goals.some((x) => x.kind === 'stage' && x.stages.includes(stage as never));
  // Visit (step, the setStage that ended the sequence or null); a wait after one has no successors.
  const seen = new Map<Node, Set<Node | null>>();
  const cutBy = new Map<Node, Node>();
  const todo: [Node, Node | null][] = def.steps.length ? [['0', null]] : [];
  while (todo.length) {
    const [n, endedBy] = todo.pop()!;
    if (n === END) continue;
    const states = seen.get(n) ?? new Set<Node | null>();
    if (states.has(endedBy)) continue;
    states.add(endedBy);
    seen.set(n, states);
    const step = g.steps.get(n)!;
    const ended = step.kind === 'setStage' ? (ends(step.stage) ? n : null) : endedBy;
    if (ended !== null && WAITING.has(step.kind)) {
      cutBy.set(n, ended);
      continue;
    }
    for (const m of g.next.get(n)!) todo.push([m, ended]);
  }
  // Name each unreachable region once: its first step whose enclosing step does run.
  const parent = (n: Node): Node | null => {
    const p = n.split('.');
    return p.length > 1 ? p.slice(0, -2).join('.') : null;
  };
  const out: string[] = [];
  for (const n of g.steps.keys()) {
    if (seen.has(n)) continue;
    const up = parent(n);
    if (up !== null && !seen.has(up)) continue;
    const prev = n.replace(/\d+$/, (i) => String(Number(i) - 1));
    if (prev !== n && !n.endsWith('.0') && n !== '0' && g.steps.has(prev) && !seen.has(prev) && (parent(prev) === null || seen.has(parent(prev)!))) continue;
    const stopper = [...cutBy.entries()].find(([w]) => leadsTo(g, w, n));
    if (g.reachable.has(n) && stopper) {
      const [waitAt, stageAt] = stopper;
      const stage = (g.steps.get(stageAt) as Extract<Step, { kind: 'setStage' }>).stage;
      out.push(`${at(n)}: never runs: the stage change to ${stage} at step ${stageAt} ends the sequence, and the lead leaves at the ${g.steps.get(waitAt)!.kind} at step ${waitAt} before it`);
    } else out.push(`${at(n)}: never runs: no path leads to it (it follows an end() or a goto)`);
  }
  return out;
}

/** The template's required variables that neither the workflow, the step nor the send activity provide. */
function missingVariables(template: keyof typeof TEMPLATES, step: Extract<Step, { kind: 'send' }>): string[] {
  const shape = TEMPLATES[template].variables.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
  const provided = new Set<string>([...WORKFLOW_SEND_VARIABLES, ...SYSTEM_VARIABLES, ...Object.keys(step.variables ?? {})]);
  return Object.keys(shape).filter((name) => !provided.has(name) && !shape[name].safeParse(undefined).success);
}

/**
 * A step's subject overrides: each key a locale some lead can have ('*', a language we write, or
 * a tag of one: 'en-US' falls back to 'en', then '*'), each placeholder one the mail gets, and an
 * optional variable only with a fallback, exactly as the template's own subject is checked.
 */
function subjectProblems(step: Extract<Step, { kind: 'send' }>, here: string): string[] {
  if (!step.subject || !isTemplateId(step.template)) return [];
  const out: string[] = [];
  const shape = TEMPLATES[step.template].variables.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
  const fromStep = new Set(Object.keys(step.variables ?? {}));
  const known = new Set<string>([...WORKFLOW_SEND_VARIABLES, ...SYSTEM_VARIABLES, ...Object.keys(shape), ...fromStep]);
  for (const [key, text] of Object.entries(step.subject)) {
    const lang = key.toLowerCase().split(/[-_]/)[0];
    if (key !== '*' && !(LOCALES as readonly string[]).includes(lang)) out.push(`${here}: subject override "${key}" is not a locale we write (${LOCALES.join(', ')}, a tag of one like en-US, or *)`);
    if (/[\r\n]/.test(text)) out.push(`${here}: subject override "${key}" has a line break`);
    const { placeholders, required } = placeholdersOf(text);
    for (const name of placeholders) {
      if (!known.has(name)) out.push(`${here}: subject override "${key}" uses {{${name}}}, which ${step.template} does not take`);
      else if (required.has(name) && name !== 'subject' && !fromStep.has(name) && (!(name in shape) || shape[name].safeParse(null).success || shape[name].safeParse(undefined).success)) {
        if ((WORKFLOW_SEND_VARIABLES as readonly string[]).includes(name) || name in shape) out.push(`${here}: subject override "${key}" uses {{${name}}} without a fallback, but it may be empty (write {{${name}|fallback}})`);
      }
    }
  }
  return out;
}

/** Every semantic problem of one sequence version, each naming the step (`where step 2.onEvent.0`). */
export function lintSequence(def: SequenceDefinition, where = `sequence ${def.id}@v${def.version}`): string[] {
  const out: string[] = [];
  const at = (n: Node): string => `${where} step ${n}`;
  const labels = new Set<string>();
  if (def.entry.segment && !segments.some((s) => s.id === def.entry.segment)) {
    out.push(`${where}: entry segment "${def.entry.segment}" is not a segment in content/segments (known: ${segments.map((s) => s.id).join(', ')})`);
  }
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
        out.push(...subjectProblems(s, here));
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
  out.push(...neverEnds(g, at), ...gotoLoopsWithoutWait(g, at), ...neverRuns(def, g, at));
  return out;
}
