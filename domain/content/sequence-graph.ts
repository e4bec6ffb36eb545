// A picture of a sequence, drawn from its definition: every step a box (sends, waits, branches,
// splits, stage changes, exits), arrows for what follows (the arms of a waitFor, branch and split
// labelled, goto dashed), the entry and the goals, and the statistics of domain/kpi/sequence-stats.ts on
// each box. Laid out by dagre (a kept graph-layout library), drawn as SVG; every text goes through
// html-escaper (names, templates and reasons are content others write).
import dagre from '@dagrejs/dagre';
import { escape } from 'html-escaper';
import type { SequenceDefinition, Step } from '../../workflows/sequences/dsl';
import { advance, findLabel, pathKey, walk, type Path } from '../../workflows/sequences/interpreter';
import { stepLabel } from './describe-step';
import type { SequenceStats, StepStats } from '../kpi/sequence-stats';

type NodeKind = Step['kind'] | 'entry' | 'done' | 'goals';
interface GNode { id: string; kind: NodeKind; lines: string[]; width: number; height: number; x: number; y: number }
interface GEdge { from: string; to: string; label: string; dashed: boolean; points: { x: number; y: number }[]; lx: number; ly: number }
export interface SequenceGraph { width: number; height: number; nodes: GNode[]; edges: GEdge[] }

const FONT = 12;
/** Wide enough for system sans-serif at 12px (measured average ~6.6px per character). */
const CHAR_W = 7.2;
/** The first line is bold: wider. */
const HEAD_CHAR_W = 8;
const LINE_H = 16;
const PAD = 10;
const ENTRY = 'entry';
const DONE = 'done';
const GOALS = 'goals';

const pct = (r: number | null): string => (r === null ? '–' : `${(r * 100).toFixed(0)}%`);

function countsLines(s: StepStats | undefined, step: Step): string[] {
  if (!s) return [];
  const out = [`entered ${s.entered} · now ${s.now}`];
  if (step.kind === 'send') out.push(`sent ${s.sent} · opened ${pct(s.openRate)} · clicked ${pct(s.clickRate)}`);
  if (step.kind === 'send' && (s.bounced || s.unsubscribes)) out.push(`bounced ${s.bounced} · unsubscribed ${s.unsubscribes}`);
  if (s.goalReached) out.push(`left on a goal here: ${s.goalReached}`);
  return out;
}

/** The graph of one version, laid out, with the statistics (when given) on its boxes. */
export function sequenceGraph(def: SequenceDefinition, stats?: SequenceStats): SequenceGraph {
  const g = new dagre.graphlib.Graph<{ rankdir: string }, { width: number; height: number; x?: number; y?: number }, { width: number; height: number; label?: string; points?: { x: number; y: number }[]; x?: number; y?: number }>({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 44, edgesep: 20, marginx: 16, marginy: 16 } as { rankdir: string });
  const nodes = new Map<string, Omit<GNode, 'x' | 'y'>>();
  const edges: Omit<GEdge, 'points' | 'lx' | 'ly'>[] = [];
  const addNode = (id: string, kind: NodeKind, lines: string[]): void => {
    const width = Math.ceil(Math.max(...lines.map((l, i) => l.length * (i === 0 ? HEAD_CHAR_W : CHAR_W))) + 2 * PAD);
    const height = lines.length * LINE_H + 2 * PAD - 4;
    nodes.set(id, { id, kind, lines, width, height });
    g.setNode(id, { width, height });
  };
  const addEdge = (from: string, to: string, label = '', dashed = false): void => {
    const name = `e${edges.length}`;
    edges.push({ from, to, label, dashed });
    g.setEdge(from, to, { width: label ? label.length * CHAR_W + 8 : 0, height: label ? LINE_H : 0, ...(label ? { label } : {}) }, name);
  };

  const st = stats?.steps.filter((s) => s.version === def.version);
  const exitsHere = (step: string, reason?: string): number =>
    (stats?.exits ?? []).filter((e) => e.version === def.version && e.step === step && (reason === undefined || e.reason === reason)).reduce((a, e) => a + e.leads, 0);
  const entered = stats ? stats.totals.entered : null;
  const e = def.entry;
  addNode(ENTRY, 'entry', [
    `${def.name} (v${def.version})`,
    `enters at ${e.stages.join('/')}${e.temperatures ? `, ${e.temperatures.join('/')}` : ''}${e.sources ? `, from ${e.sources.join('/')}` : ''}`,
    ...(entered === null ? [] : [`entered ${entered} · now in it ${stats!.totals.now}`]),
  ]);
  const doneCount = (stats?.exits ?? []).filter((x) => x.version === def.version && x.reason === 'completed').reduce((a, x) => a + x.leads, 0);
  addNode(DONE, 'done', ['end of the sequence', ...(stats ? [`completed: ${doneCount}`] : [])]);
  if (def.goals.length) {
    const goalCount = (label: string): number => (stats?.exits ?? []).filter((x) => x.version === def.version && x.reason === `goal: ${label}`).reduce((a, x) => a + x.leads, 0);
    addNode(GOALS, 'goals', ['leaves at once on a goal:', ...def.goals.map((gl) => `${gl.label}${stats ? `: ${goalCount(gl.label)}` : ''}`)]);
    addEdge(ENTRY, GOALS, 'any time', true);
  }

  const all = walk(def.steps);
  for (const { path, step } of all) {
    const key = pathKey(path);
    const s = st?.find((x) => x.step === key);
    const lines = [stepLabel(step), `step ${key}`, ...countsLines(s, step)];
    if (step.kind === 'end' && stats) lines.push(`left here: ${exitsHere(key, step.reason)}`);
    addNode(key, step.kind, lines);
  }
  /** Where the lead goes after `path` finished: the next step, or the end. */
  const after = (path: Path): string => {
    const n = advance(def, path);
    return n ? pathKey(n) : DONE;
  };
  const into = (path: Path, arm: string, list: Step[]): string => (list.length ? pathKey([...path, arm, 0]) : after(path));
  if (def.steps.length) addEdge(ENTRY, '0');
  else addEdge(ENTRY, DONE);
  for (const { path, step } of all) {
    const key = pathKey(path);
    switch (step.kind) {
      case 'waitFor':
        addEdge(key, into(path, 'onEvent', step.onEvent), step.events.length > 1 ? 'event came' : `${step.events[0]}`);
        addEdge(key, into(path, 'onTimeout', step.onTimeout), 'timeout');
        break;
      case 'branch':
        addEdge(key, into(path, 'then', step.then), 'yes');
        addEdge(key, into(path, 'else', step.else), 'no');
        break;
      case 'split':
        for (const v of step.variants) addEdge(key, into(path, `v:${v.name}`, v.steps), `${v.name} ${v.percent}%`);
        break;
      case 'goto': {
        const target = findLabel(def, step.target);
        addEdge(key, target ? pathKey(target) : DONE, 'goto', true);
        break;
      }
      case 'end':
        break;
      default:
        addEdge(key, after(path));
    }
  }

  dagre.layout(g);
  const graph = g.graph() as unknown as { width: number; height: number };
  return {
    width: Math.ceil(graph.width),
    height: Math.ceil(graph.height),
    nodes: [...nodes.values()].map((n) => ({ ...n, x: g.node(n.id).x ?? 0, y: g.node(n.id).y ?? 0 })),
    edges: edges.map((ed, i) => {
      const l = g.edge({ v: ed.from, w: ed.to, name: `e${i}` });
      return { ...ed, points: l.points ?? [], lx: l.x ?? 0, ly: l.y ?? 0 };
    }),
  };
}

const STYLE: Record<NodeKind, { fill: string; stroke: string }> = {
  entry: { fill: '#e8e8e8', stroke: '#555' },
  done: { fill: '#e8e8e8', stroke: '#555' },
  goals: { fill: '#fff8d6', stroke: '#b08900' },
  send: { fill: '#e3effc', stroke: '#1f5fa8' },
  wait: { fill: '#f5f5f5', stroke: '#888' },
  waitUntil: { fill: '#f5f5f5', stroke: '#888' },
  waitFor: { fill: '#fff1dc', stroke: '#c2571a' },
  branch: { fill: '#f1e7fb', stroke: '#6a3d9a' },
  split: { fill: '#e4f4e6', stroke: '#2e7d32' },
  setStage: { fill: '#eef6f6', stroke: '#2b7a78' },
  addScore: { fill: '#eef6f6', stroke: '#2b7a78' },
  notifySales: { fill: '#eef6f6', stroke: '#2b7a78' },
  goto: { fill: '#f5f5f5', stroke: '#888' },
  end: { fill: '#fde8e8', stroke: '#b3261e' },
};

const f1 = (v: number): string => v.toFixed(1);
/** Boxes that are not steps (their second line is not a step key). */
const BOX_KINDS: NodeKind[] = ['entry', 'done', 'goals'];

/** The picture as a standalone SVG document (also inlined in the HTML page). */
export function sequenceSvg(def: SequenceDefinition, stats?: SequenceStats): string {
  const gr = sequenceGraph(def, stats);
  const title = `${def.name} (${def.id} v${def.version})`;
  const edges = gr.edges
    .map((e) => {
      const d = e.points.map((p, i) => `${i ? 'L' : 'M'}${f1(p.x)},${f1(p.y)}`).join(' ');
      const label = e.label
        ? `<rect x="${f1(e.lx - (e.label.length * CHAR_W) / 2 - 3)}" y="${f1(e.ly - LINE_H / 2)}" width="${f1(e.label.length * CHAR_W + 6)}" height="${LINE_H}" fill="#fff" opacity="0.9"/><text x="${f1(e.lx)}" y="${f1(e.ly + 4)}" text-anchor="middle" class="edge">${escape(e.label)}</text>`
        : '';
      return `<g class="edge"><path d="${d}" fill="none" stroke="#666" stroke-width="1.3"${e.dashed ? ' stroke-dasharray="5 4"' : ''} marker-end="url(#arrow)"/>${label}</g>`;
    })
    .join('');
  const nodes = gr.nodes
    .map((n) => {
      const s = STYLE[n.kind];
      const x = n.x - n.width / 2;
      const y = n.y - n.height / 2;
      const text = n.lines
        .map((l, i) => `<text x="${f1(x + PAD)}" y="${f1(y + PAD + 8 + i * LINE_H)}"${i === 0 ? ' class="head"' : i === 1 && !BOX_KINDS.includes(n.kind) ? ' class="key"' : ''}>${escape(l)}</text>`)
        .join('');
      return `<g class="node node-${n.kind}" data-step="${escape(n.id)}"><rect x="${f1(x)}" y="${f1(y)}" width="${n.width}" height="${n.height}" rx="6" fill="${s.fill}" stroke="${s.stroke}" stroke-width="1.5"${n.kind === 'goals' || n.kind === 'goto' ? ' stroke-dasharray="4 3"' : ''}/>${text}</g>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" class="sequence" role="img" aria-label="${escape(title)}" viewBox="0 0 ${gr.width} ${gr.height}" width="${gr.width}" height="${gr.height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="${FONT}"><title>${escape(title)}</title><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#666"/></marker><style>text{fill:#1a1a1a}text.head{font-weight:600}text.edge{fill:#444;font-style:italic}text.key{fill:#666;font-size:11px}</style></defs>${edges}${nodes}</svg>`;
}
