// Sequence lint: each mistake a marketer can make is caught with a message naming the step, and the
// corrected sequence passes. The same checks stop the worker at start (validateDefinitions).
import { definitionProblems, validateDefinitions } from '../domain/content/definitions';
import { lintSequence } from '../domain/content/sequence-lint';
import { scoringRules } from '../content/scoring-rules';
import { branch, defineSequence, end, goto, label, send, split, wait, waitFor, type SequenceDefinition, type Step } from '../workflows/sequences/dsl';
import { sequenceModules } from '../content/sequences';

const seq = (steps: Step[]): SequenceDefinition =>
  defineSequence({ id: 'lint-me', version: 1, name: 'Lint me', description: '', entry: { stages: ['nurturing'], reentry: false, priority: 1 }, goals: [], steps });
/** All findings the worker would print for this sequence (zod shape + lint). */
const problems = (def: SequenceDefinition): string[] => definitionProblems(scoringRules, [{ current: def }]);

test('the shipped sequences, every version, lint clean', () => {
  for (const m of sequenceModules) for (const d of [m.current, ...(m.previous ?? [])]) expect(lintSequence(d)).toEqual([]);
});

test('a path that never ends: a goto cycle with no way out', () => {
  const bad = seq([send('cold-ebook'), label('again', wait('7 days')), send('cold-blog-digest'), goto('again')]);
  expect(problems(bad)).toEqual([
    'sequence lint-me@v1 step 1: a path that never ends: steps 1, 2, 3 loop and no path from them reaches the end of the sequence (only a goal could take the lead out); add an end() or a way out of the goto loop',
  ]);
  // A conditional way out fixes it.
  const fixed = seq([send('cold-ebook'), label('again', wait('7 days')), send('cold-blog-digest'), branch({ did: 'email_opened', within: '30 days' }, [goto('again')], [end('stopped reading')])]);
  expect(problems(fixed)).toEqual([]);
});

test('a goto loop without a wait', () => {
  const bad = seq([send('cold-ebook'), label('check', branch({ score: { lt: 20 } }, [addScoreStep(), goto('check')], [end('warm enough')]))]);
  expect(problems(bad)).toEqual([
    'sequence lint-me@v1 step 1.then.1: goto "check" loops without a wait (steps 1.then.1 -> 1 -> 1.then.0 -> 1.then.1): add a wait, waitUntil or waitFor inside the loop',
  ]);
  const fixed = seq([send('cold-ebook'), label('check', branch({ score: { lt: 20 } }, [wait('1 day'), goto('check')], [end('warm enough')]))]);
  expect(problems(fixed)).toEqual([]);
});
function addScoreStep(): Step {
  return { kind: 'addScore', points: 1, reason: 'loop' };
}

test('an unknown template', () => {
  expect(problems(seq([send('cold-ebok')]))).toEqual(['sequence lint-me@v1 step 0: unknown template "cold-ebok"']);
  expect(problems(seq([send('cold-ebook')]))).toEqual([]);
});

test('an unknown event, in a waitFor, a goal or a branch condition', () => {
  const bad = seq([send('cold-ebook'), waitFor(['email_openned' as 'email_opened'], '3 days', { onEvent: [], onTimeout: [] })]);
  const [p] = problems(bad);
  expect(p).toMatch(/^sequence lint-me@v1\.steps\.1\.events\.0: unknown event \(known: email_opened, email_clicked, /);
  const badGoal = { ...seq([send('cold-ebook')]), goals: [{ kind: 'event' as const, events: ['pricing_viewed' as 'page_viewed'], label: 'x' }] };
  expect(problems(badGoal)[0]).toMatch(/^sequence lint-me@v1\.goals\.0\.events\.0: unknown event/);
  const badCondition = seq([send('cold-ebook'), branch({ all: [{ did: 'pricing_visit' as 'page_viewed', within: '7 days' }] }, [end('x')])]);
  expect(problems(badCondition)).toEqual([expect.stringMatching(/^sequence lint-me@v1\.steps\.1\.when\.all\.0\.did: unknown event \(known: email_opened, /)]);
  expect(problems(seq([send('cold-ebook'), waitFor(['email_opened'], '3 days', { onEvent: [], onTimeout: [] })]))).toEqual([]);
});

test('a template missing a variable the sequence does not provide', () => {
  // holiday-greeting requires `holiday`; the workflow only gives firstName and company.
  expect(problems(seq([send('holiday-greeting')]))).toEqual([
    'sequence lint-me@v1 step 0: template holiday-greeting needs variable "holiday", which the sequence does not provide (add it to the step\'s variables)',
  ]);
  expect(problems(seq([send('holiday-greeting', { variables: { holiday: 'Midsummer' } })]))).toEqual([]);
  // A provided value the template's schema refuses is named too.
  expect(problems(seq([send('warm-consultation', { variables: { variant: 'C' } })]))).toEqual([
    'sequence lint-me@v1 step 0: variable "variant" for warm-consultation: Invalid option: expected one of "A"|"B"',
  ]);
});

test('a send without an unsubscribe link (a transactional template in a sequence)', () => {
  const found = problems(seq([send('double-opt-in')]));
  expect(found).toEqual([
    'sequence lint-me@v1 step 0: send double-opt-in has no unsubscribe link: "double-opt-in" is a transactional template; sequences may only send marketing templates, which carry it',
  ]);
});

test('a split that does not add up to 100', () => {
  const bad = seq([split([{ name: 'A', percent: 50, steps: [send('warm-case-study')] }, { name: 'B', percent: 40, steps: [send('warm-comparison')] }])]);
  expect(problems(bad)).toEqual(['sequence lint-me@v1 step 0: split percentages add up to 90, not 100']);
  const fixed = seq([split([{ name: 'A', percent: 50, steps: [send('warm-case-study')] }, { name: 'B', percent: 50, steps: [send('warm-comparison')] }])]);
  expect(problems(fixed)).toEqual([]);
});

test('lint findings stop the worker at start, every finding listed', () => {
  const bad = seq([send('double-opt-in'), label('loop', wait('1 day')), goto('loop')]);
  expect(() => validateDefinitions(scoringRules, [...sequenceModules, { current: bad }])).toThrow(
    /the worker will not start\):\n {2}sequence lint-me@v1 step 0: send double-opt-in has no unsubscribe link.*\n {2}sequence lint-me@v1 step 1: a path that never ends/,
  );
});

test('old versions kept in `previous` are linted too', () => {
  const current = seq([send('cold-ebook')]);
  const old = { ...seq([send('farewel')]), version: 0 };
  expect(definitionProblems(scoringRules, [{ current, previous: [{ ...old, version: 1 }] }])).toContain('sequence lint-me: two definitions share a version number');
  expect(definitionProblems(scoringRules, [{ current: { ...current, version: 2 }, previous: [{ ...old, version: 1 }] }])).toEqual(['sequence lint-me@v1 step 0: unknown template "farewel"']);
});
