// Hot leads are handed to sales the same day; the lead hears from us at once.
import { defineSequence, goal, send, notifySales, type SequenceModule } from '../../workflows/sequences/dsl';

export const hotFastTrack: SequenceModule = {
  current: defineSequence({
    id: 'hot-fast-track',
    version: 1,
    name: 'Hot lead fast track',
    description: 'Tells a hot lead a specialist will call today and asks sales to take it.',
    entry: { stages: ['nurturing', 'mql', 'sql'], temperatures: ['hot'], reentry: true, priority: 100 },
    goals: [goal.stage('handed_off', 'client')],
    steps: [send('hot-fast-track'), notifySales('hot lead: same-day hand-off')],
  }),
};
