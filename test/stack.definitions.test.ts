// Scoring rules and sequences are validated at worker start; bad ones stop it with a clear error.
import { definitionProblems, validateDefinitions } from '../domain/content/definitions';
import { scoringRules } from '../content/scoring-rules';
import { defineSequence, goto, send, split, wait } from '../workflows/sequences/dsl';
import { sequenceModules } from '../content/sequences';
import { DURATION_HINT, type DurationText } from '../workflows/duration';

test('the shipped scoring rules and sequences are valid', () => {
  expect(definitionProblems()).toEqual([]);
  expect(() => validateDefinitions()).not.toThrow();
});

test('bad scoring rules are refused with the field named', () => {
  const bad = { ...scoringRules, halfLifeDays: 0, bands: { warm: 70, hot: 60 } };
  const problems = definitionProblems(bad);
  expect(problems).toContain('scoring.halfLifeDays: Too small: expected number to be >0');
  expect(problems).toContain('scoring.bands: bands.warm must be below bands.hot');
  expect(() => validateDefinitions(bad)).toThrow(/the worker will not start/);
});

test('bad sequences are refused: unknown template, split not adding to 100, missing goto target, bad duration', () => {
  const bad = defineSequence({
    id: 'broken',
    version: 1,
    name: 'Broken',
    description: '',
    entry: { stages: ['nurturing'], reentry: false, priority: 1 },
    goals: [],
    steps: [send('no-such-template'), wait('soon' as DurationText), split([{ name: 'A', percent: 60, steps: [] }, { name: 'B', percent: 30, steps: [] }]), goto('nowhere')],
  });
  const problems = definitionProblems(scoringRules, [...sequenceModules, { current: bad }]);
  expect(problems).toEqual(
    expect.arrayContaining([
      `sequence broken@v1.steps.1.duration: ${DURATION_HINT}`,
    ]),
  );
  const fixedDuration = { ...bad, steps: [send('no-such-template'), wait('2 days'), ...bad.steps.slice(2)] };
  expect(definitionProblems(scoringRules, [{ current: fixedDuration }])).toEqual([
    'sequence broken@v1 step 0: unknown template "no-such-template"',
    'sequence broken@v1 step 2: split percentages add up to 90, not 100',
    'sequence broken@v1 step 3: goto target "nowhere" does not exist',
  ]);
});
