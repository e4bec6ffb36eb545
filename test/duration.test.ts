// One duration grammar (issue 16): sequence waits, offer intervals and FREQUENCY_CAP's window all read
// durations with `ms` through workflows/duration.ts, accept what they accepted before, and refuse the
// rest with one message.
import { msToNumber } from '@temporalio/common/lib/time';
import { definitionProblems } from '../domain/content/definitions';
import { sequenceModules } from '../content/sequences';
import { offerCampaigns } from '../content/offers';
import { scoringRules } from '../content/scoring-rules';
import { ConfigError, frequencyCap, loadConfig } from '../runtime/config';
import { lintOfferCampaigns } from '../worker/schedules';
import { DURATION_HINT, durationMs, parseDuration, type DurationText } from '../workflows/duration';
import { walk } from '../workflows/sequences/interpreter';
import { defineSequence, wait } from '../workflows/sequences/dsl';

const DAY = 86_400_000;

test('reads the forms content and env values use, to the milliseconds Temporal reads them as', () => {
  const cases: [string, number][] = [
    ['3 days', 3 * DAY],
    ['1 day', DAY],
    ['2h', 7_200_000],
    ['30m', 1_800_000],
    ['90 minutes', 5_400_000],
    ['1.5 hours', 5_400_000],
    ['2 weeks', 14 * DAY],
    ['2 seconds', 2000],
    ['500ms', 500],
    ['7d', 7 * DAY],
    ['1 year', 365.25 * DAY],
    ['3 Days', 3 * DAY],
  ];
  for (const [text, expected] of cases) {
    expect([text, parseDuration(text)]).toEqual([text, expected]);
    // The value a running lead slept on before (Temporal's own parser) is the value it sleeps on now.
    expect([text, durationMs(text as DurationText)]).toEqual([text, msToNumber(text as Parameters<typeof msToNumber>[0])]);
  }
  expect(durationMs(60_000)).toBe(60_000);
});

test('refuses what is not a duration, with one message', () => {
  for (const bad of ['soon', '3', '', '0 days', '-2h', '3 dyas', 'days', '1 month', '2 days later']) expect([bad, parseDuration(bad)]).toEqual([bad, undefined]);
  expect(() => durationMs('soon' as DurationText)).toThrow(`"soon": ${DURATION_HINT}`);
});

test('every duration in shipped content is one', () => {
  const texts: string[] = [];
  for (const def of sequenceModules.flatMap((m) => [m.current, ...(m.previous ?? [])])) {
    for (const { step } of walk(def.steps)) {
      if (step.kind === 'wait') texts.push(String(step.duration));
      if (step.kind === 'waitFor') texts.push(String(step.timeout));
      if (step.kind === 'branch' && 'did' in step.when && step.when.within !== undefined) texts.push(String(step.when.within));
    }
  }
  texts.push(...offerCampaigns.flatMap((c) => c.schedule.every ?? []));
  expect(texts.length).toBeGreaterThan(10);
  expect(texts.filter((t) => parseDuration(t) === undefined)).toEqual([]);
});

test('a sequence and an offer campaign refuse a bad duration with the same message', () => {
  const seq = defineSequence({ id: 'bad-wait', version: 1, name: 'Bad', description: '', entry: { stages: ['nurturing'], reentry: false, priority: 0 }, goals: [], steps: [wait('3' as DurationText)] });
  expect(definitionProblems(scoringRules, [{ current: seq }])).toEqual([`sequence bad-wait@v1.steps.0.duration: ${DURATION_HINT}`]);
  const offer = { ...offerCampaigns[0], schedule: { every: ['fortnightly' as DurationText] } };
  expect(lintOfferCampaigns([offer])).toEqual([`offer campaign ${offer.id}: schedule.every.0: ${DURATION_HINT}`]);
  expect(lintOfferCampaigns([{ ...offer, schedule: { every: ['2 weeks' as DurationText] } }])).toEqual([]);
});

test('FREQUENCY_CAP: mails per a window in the same grammar; 3/7d as before', () => {
  const cap = (v: string) => frequencyCap(loadConfig({ DATA_DIR: '/tmp/leadflow-config-test', FREQUENCY_CAP: v }));
  expect(cap('3/7d')).toEqual({ max: 3, days: 7 });
  expect(cap('100/1d')).toEqual({ max: 100, days: 1 });
  expect(cap('2/48h')).toEqual({ max: 2, days: 2 });
  expect(cap('5/2 weeks')).toEqual({ max: 5, days: 14 });
  for (const bad of ['3/7', '7d', '0/7d', 'three/7d', '3/soon']) {
    expect(() => cap(bad)).toThrow(ConfigError);
    expect(() => cap(bad)).toThrow(/FREQUENCY_CAP: must look like 3\/7d/);
  }
});
