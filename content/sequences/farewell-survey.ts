// After a "no": a farewell letter with a short survey, one reminder, then the deferred-demand base.
import { defineSequence, send, setStage, waitFor, type SequenceModule } from '../../workflows/sequences/dsl';

export const farewellSurvey: SequenceModule = {
  current: defineSequence({
    id: 'farewell-survey',
    version: 1,
    name: 'Farewell and survey',
    description: 'Regret, a why-survey and (where the reason allows) an alternative offer; then deferred demand.',
    entry: { stages: ['rejected'], reentry: true, priority: 50 },
    goals: [],
    steps: [
      send('farewell'),
      waitFor(['survey_answered'], '7 days', {
        onEvent: [],
        onTimeout: [send('farewell-survey-reminder')],
      }),
      setStage('deferred', 'farewell done'),
    ],
  }),
};
