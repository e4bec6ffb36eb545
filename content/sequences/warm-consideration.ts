// Warm leads compare options: proof (case study), a fair comparison, then a consultation offer.
// A/B test on the consultation wording, deterministic per lead.
import { defineSequence, goal, send, wait, waitFor, split, notifySales, addScore, end, type SequenceModule } from '../../workflows/sequences/dsl';

export const warmConsideration: SequenceModule = {
  current: defineSequence({
    id: 'warm-consideration',
    version: 1,
    name: 'Warm lead drip',
    description: 'Case study, comparison and consultation offer for warm leads; hands over when they ask.',
    entry: { stages: ['nurturing', 'mql'], temperatures: ['warm'], reentry: true, priority: 20 },
    goals: [goal.stage('sql', 'handed_off'), goal.event(['demo_booked'])],
    steps: [
      send('warm-case-study'),
      wait('3 days'),
      send('warm-comparison'),
      waitFor(['email_clicked', 'page_viewed'], '5 days', {
        onEvent: [addScore(5, 'engaged with the comparison')],
        onTimeout: [],
      }),
      split([
        { name: 'A', percent: 50, steps: [send('warm-consultation', { variables: { variant: 'A' } })] },
        { name: 'B', percent: 50, steps: [send('warm-consultation', { variables: { variant: 'B' } })] },
      ]),
      waitFor(['replied'], '10 days', {
        onEvent: [notifySales('asked for a consultation')],
        onTimeout: [end('no answer to the consultation offer')],
      }),
    ],
  }),
};
