// An example of a new sequence published while the worker runs:
//   npm run sequences -- publish content/examples/trial-onboarding.ts
// Web-form leads in nurturing enter it ahead of the shipped drips (priority 30); running leads are
// not affected, new leads get it within a second.
import { defineSequence, send, wait, waitFor, type SequenceModule } from '../../workflows/sequences/dsl';

export const trialOnboarding: SequenceModule = {
  current: defineSequence({
    id: 'trial-onboarding',
    version: 1,
    name: 'Trial onboarding',
    description: 'Web-form leads: a welcome, a case study, a consultation offer.',
    entry: { stages: ['nurturing'], sources: ['web_form'], reentry: false, priority: 30 },
    goals: [],
    steps: [send('cold-ebook'), wait('2 days'), send('warm-case-study'), waitFor(['replied'], '5 days', { onEvent: [], onTimeout: [send('warm-consultation')] })],
  }),
};
