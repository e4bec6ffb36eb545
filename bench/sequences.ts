// Bench-only nurture sequences. They never ship: the bench worker (bench/worker-process.ts) publishes
// them next to the real ones, and they are picked only for leads whose source is 'bench', 'chaos' or
// 'bench-sleep', so a real lead can never enter them; it validates them like the worker does.
import { defineSequence, send, wait, waitFor, type SequenceModule, type Step } from '../workflows/sequences/dsl';
import { sequenceModules as shipped } from '../content/sequences';

/** Waits of the compressed drip (the real drips wait days). */
export const BENCH_WAIT = '2 seconds';
export const BENCH_DRIP_MAILS = 5;

/** A bench-only sequence: entered only by leads of `source` (never a real lead's), ahead of every real one. */
const benchOnly = (id: string, source: string, name: string, description: string, steps: Step[]): SequenceModule => ({
  current: defineSequence({ id, version: 1, name: `BENCH ONLY: ${name}`, description, entry: { stages: ['nurturing'], sources: [source], reentry: false, priority: 1000 }, goals: [], steps }),
});
/** Where a drip parks after its last mail until the run ends. */
const parked = (): Step => waitFor(['replied'], '365 days', { onEvent: [], onTimeout: [] });

/** Five real templates a few seconds apart; then the lead parks (no sixth mail) until the bench ends. */
export const benchDrip = benchOnly('bench-drip', 'bench', 'compressed five-mail drip', 'Benchmarks and chaos runs only (source "bench"): five mails, seconds apart.', [
  send('cold-ebook'),
  wait(BENCH_WAIT),
  send('cold-blog-digest'),
  wait(BENCH_WAIT),
  send('cold-webinar-invite'),
  wait(BENCH_WAIT),
  send('warm-case-study'),
  wait(BENCH_WAIT),
  send('warm-comparison'),
  parked(),
]);

/** The chaos suite's drip (source "chaos"): two mails a few seconds apart, then parked. */
export const chaosPair = benchOnly('chaos-pair', 'chaos', 'two mails for the chaos suite', 'Chaos suite only (source "chaos"): two mails, seconds apart, then parked.', [
  send('cold-ebook'),
  wait(BENCH_WAIT),
  send('cold-blog-digest'),
  parked(),
]);
export const CHAOS_MAILS_PER_LEAD = 2;

/** A lead that sleeps for months; a click wakes it and it sends one mail. */
export const benchSleeper = benchOnly('bench-sleeper', 'bench-sleep', 'months asleep', 'Benchmarks only (source "bench-sleep"): waits 180 days; a click sends one mail.', [
  waitFor(['email_clicked'], '180 days', { onEvent: [send('cold-ebook')], onTimeout: [] }),
]);

/** Named like content/sequences' export: bench/bundle.ts puts this module in that one's place. */
export const sequenceModules: SequenceModule[] = [...shipped, benchDrip, chaosPair, benchSleeper];
export const benchSequenceModules = sequenceModules;

