// Bench-only nurture sequences. They never ship: the bench worker (bench/worker-process.ts) publishes
// them next to the real ones, and they are picked only for leads whose source is 'bench', 'chaos' or
// 'bench-sleep', so a real lead can never enter them; it validates them like the worker does.
import { defineSequence, send, wait, waitFor, type SequenceModule } from '../workflows/sequences/dsl';
import { sequenceModules as shipped } from '../content/sequences';

/** Waits of the compressed drip (the real drips wait days). */
export const BENCH_WAIT = '2 seconds';
export const BENCH_DRIP_MAILS = 5;

/** Five real templates a few seconds apart; then the lead parks (no sixth mail) until the bench ends. */
export const benchDrip: SequenceModule = {
  current: defineSequence({
    id: 'bench-drip',
    version: 1,
    name: 'BENCH ONLY: compressed five-mail drip',
    description: 'Benchmarks and chaos runs only (source "bench"): five mails, seconds apart.',
    entry: { stages: ['nurturing'], sources: ['bench'], reentry: false, priority: 1000 },
    goals: [],
    steps: [
      send('cold-ebook'),
      wait(BENCH_WAIT),
      send('cold-blog-digest'),
      wait(BENCH_WAIT),
      send('cold-webinar-invite'),
      wait(BENCH_WAIT),
      send('warm-case-study'),
      wait(BENCH_WAIT),
      send('warm-comparison'),
      waitFor(['replied'], '365 days', { onEvent: [], onTimeout: [] }),
    ],
  }),
};

/** The chaos suite's drip (source "chaos"): two mails a few seconds apart, then parked. */
export const chaosPair: SequenceModule = {
  current: defineSequence({
    id: 'chaos-pair',
    version: 1,
    name: 'BENCH ONLY: two mails for the chaos suite',
    description: 'Chaos suite only (source "chaos"): two mails, seconds apart, then parked.',
    entry: { stages: ['nurturing'], sources: ['chaos'], reentry: false, priority: 1000 },
    goals: [],
    steps: [send('cold-ebook'), wait(BENCH_WAIT), send('cold-blog-digest'), waitFor(['replied'], '365 days', { onEvent: [], onTimeout: [] })],
  }),
};
export const CHAOS_MAILS_PER_LEAD = 2;

/** A lead that sleeps for months; a click wakes it and it sends one mail. */
export const benchSleeper: SequenceModule = {
  current: defineSequence({
    id: 'bench-sleeper',
    version: 1,
    name: 'BENCH ONLY: months asleep',
    description: 'Benchmarks only (source "bench-sleep"): waits 180 days; a click sends one mail.',
    entry: { stages: ['nurturing'], sources: ['bench-sleep'], reentry: false, priority: 1000 },
    goals: [],
    steps: [waitFor(['email_clicked'], '180 days', { onEvent: [send('cold-ebook')], onTimeout: [] })],
  }),
};

/** Named like content/sequences' export: bench/bundle.ts puts this module in that one's place. */
export const sequenceModules: SequenceModule[] = [...shipped, benchDrip, chaosPair, benchSleeper];
export const benchSequenceModules = sequenceModules;

