// The A/B verdict of a split: is one variant's rate really higher, or is it noise? A two-proportion
// z-test (pooled) of the leading variant against each other one, Bonferroni-corrected when there are
// more than two, with the normal distribution from simple-statistics; when not significant, a power
// calculation says about how many more leads per variant the observed difference would need.
import { cumulativeStdNormalProbability, probit } from 'simple-statistics';

export const ALPHA = 0.05;
export const POWER = 0.8;

export interface Arm {
  name: string;
  /** Leads that entered the variant. */
  n: number;
  /** Of them, those that did what the test measures (clicked, reached the goal, converted...). */
  successes: number;
}

export type Verdict =
  | { status: 'winner'; winner: string; pValue: number; alpha: number }
  | { status: 'not_significant'; leader: string | null; pValue: number | null; alpha: number; needMorePerVariant: number | null; note: string }
  | { status: 'no_data'; note: string };

/** Two-sided p-value of the pooled two-proportion z-test. */
export function twoProportionPValue(a: Arm, b: Arm): number {
  const p = (a.successes + b.successes) / (a.n + b.n);
  const se = Math.sqrt(p * (1 - p) * (1 / a.n + 1 / b.n));
  if (se === 0) return 1;
  const z = Math.abs(a.successes / a.n - b.successes / b.n) / se;
  // The library's normal CDF comes from a table: clamp so a huge z gives 0, never a negative p.
  return Math.max(0, Math.min(1, 2 * (1 - cumulativeStdNormalProbability(z))));
}

/** Leads per variant to detect p1 vs p2 (two-sided, `alpha`, `POWER`). */
export function sampleSizePerVariant(p1: number, p2: number, alpha: number): number {
  const za = probit(1 - alpha / 2);
  const zb = probit(POWER);
  const pBar = (p1 + p2) / 2;
  const n = (za * Math.sqrt(2 * pBar * (1 - pBar)) + zb * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p1 - p2) ** 2;
  return Math.ceil(n);
}

export function abVerdict(arms: Arm[]): Verdict {
  const live = arms.filter((a) => a.n > 0);
  if (live.length < 2) return { status: 'no_data', note: 'fewer than two variants have leads yet' };
  const rate = (a: Arm): number => a.successes / a.n;
  const sorted = [...live].sort((x, y) => rate(y) - rate(x) || y.n - x.n);
  const [leader, ...rest] = sorted;
  // Bonferroni: the leader must beat each of the others at alpha / comparisons.
  const alpha = ALPHA / rest.length;
  const pValues = rest.map((o) => twoProportionPValue(leader, o));
  const worstP = Math.max(...pValues);
  if (rate(leader) > rate(rest[0]) && worstP < alpha) return { status: 'winner', winner: leader.name, pValue: worstP, alpha };
  const runnerUp = rest[0];
  if (rate(leader) === rate(runnerUp)) {
    return { status: 'not_significant', leader: null, pValue: worstP, alpha, needMorePerVariant: null, note: 'no difference between the variants yet' };
  }
  const need = sampleSizePerVariant(rate(leader), rate(runnerUp), alpha);
  const more = Math.max(0, need - Math.min(leader.n, runnerUp.n));
  return { status: 'not_significant', leader: leader.name, pValue: worstP, alpha, needMorePerVariant: more, note: `not yet significant, need about ${more} more leads per variant` };
}

/** A split's verdict in words. */
export function verdictText(v: Verdict): string {
  if (v.status === 'winner') return `winner: ${v.winner} (p = ${v.pValue.toFixed(4)} < ${v.alpha.toFixed(3)})`;
  if (v.status === 'no_data') return v.note;
  return `${v.note}${v.pValue === null ? '' : ` (p = ${v.pValue.toFixed(3)}, needs < ${v.alpha.toFixed(3)})`}`;
}
