// The deferred-demand base: a light touch every couple of months until re-qualification
// (holiday greetings and campaign offers come on top, from the workflow and scheduled campaigns).
import { defineSequence, goal, send, wait, waitUntil, type SequenceModule } from '../../workflows/sequences/dsl';

export const deferredKeepInTouch: SequenceModule = {
  current: defineSequence({
    id: 'deferred-keep-in-touch',
    version: 1,
    name: 'Deferred demand keep-in-touch',
    description: 'What is new, every two months, on a Wednesday morning; leaves on renewed interest.',
    entry: { stages: ['deferred'], reentry: false, priority: 10 },
    goals: [goal.stage('nurturing', 'sql'), goal.event(['replied', 'demo_booked'])],
    steps: [
      wait('60 days'),
      waitUntil({ weekdays: [3], time: '10:00' }),
      send('deferred-keep-in-touch', { variables: { edition: '1' } }),
      wait('60 days'),
      waitUntil({ weekdays: [3], time: '10:00' }),
      send('deferred-keep-in-touch', { variables: { edition: '2' } }),
    ],
  }),
};
