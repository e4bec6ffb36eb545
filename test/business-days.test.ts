// Business days: waits and sends that skip weekends and the lead's country's public holidays, in
// the lead's timezone. The calendar arithmetic is a pure activity (date-holidays, luxon), checked on
// fixed dates; the workflow asks it through recorded activities, checked on the time-skipping server.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { businessTime, isBusinessDay, nextCalendarTime } from '../activities/calendar';
import { publishSequence } from '../domain/content/catalogue';
import { definitionProblems } from '../domain/content/definitions';
import { scoringRules } from '../content/scoring-rules';
import { defineSequence, send, wait, waitUntil, type SequenceDefinition } from '../workflows/sequences/dsl';
import { fakeWorld } from './support/fake-activities';
import { baseProfile, passUntil, signalLead, startWorkers, useTimeSkippingEnv } from './support/lead-harness';

const warsaw = (iso: string): string => DateTime.fromISO(iso, { zone: 'Europe/Warsaw' }).toUTC().toISO()!;

describe('the calendar activity', () => {
  test('a one-day business wait from Friday ends on Monday, or Tuesday when Monday is a holiday', () => {
    // Fri 2027-04-23 10:00 Warsaw -> Mon 04-26 10:00.
    expect(businessTime(warsaw('2027-04-23T10:00'), 86_400_000, 'Europe/Warsaw', 'PL')).toBe(warsaw('2027-04-26T10:00'));
    // Fri 2027-04-30: Sat 1 May and Mon 3 May are Polish public holidays -> Tue 05-04.
    expect(businessTime(warsaw('2027-04-30T10:00'), 86_400_000, 'Europe/Warsaw', 'PL')).toBe(warsaw('2027-05-04T10:00'));
    // The same Friday for a lead in Germany: Monday 3 May is a working day there.
    expect(businessTime(warsaw('2027-04-30T10:00'), 86_400_000, 'Europe/Warsaw', 'DE')).toBe(warsaw('2027-05-03T10:00'));
    // Three business days and six hours from Wednesday: Mon 16:00.
    expect(businessTime(warsaw('2027-04-21T10:00'), 3 * 86_400_000 + 6 * 3_600_000, 'Europe/Warsaw', 'PL')).toBe(warsaw('2027-04-26T16:00'));
  });

  test('a send held back on a weekend or holiday goes out at 09:00 on the next business day; a business day passes as is', () => {
    expect(businessTime(warsaw('2027-05-01T12:00'), 0, 'Europe/Warsaw', 'PL')).toBe(warsaw('2027-05-04T09:00'));
    expect(businessTime(warsaw('2027-05-05T12:00'), 0, 'Europe/Warsaw', 'PL')).toBe(warsaw('2027-05-05T12:00'));
    // Unknown or missing country: weekends only.
    expect(businessTime(warsaw('2027-05-01T12:00'), 0, 'Europe/Warsaw', null)).toBe(warsaw('2027-05-03T09:00'));
  });

  test("the lead's timezone decides which day it is", () => {
    // Friday 2027-04-23 20:00 UTC is already Saturday 08:00 in Auckland: held to Monday 09:00 there,
    // or Tuesday in New Zealand itself, where ANZAC Day (Sunday 25th) is observed on Monday 26th.
    expect(businessTime('2027-04-23T20:00:00.000Z', 0, 'Pacific/Auckland', null)).toBe(DateTime.fromISO('2027-04-26T09:00', { zone: 'Pacific/Auckland' }).toUTC().toISO());
    expect(businessTime('2027-04-23T20:00:00.000Z', 0, 'Pacific/Auckland', 'NZ')).toBe(DateTime.fromISO('2027-04-27T09:00', { zone: 'Pacific/Auckland' }).toUTC().toISO());
    expect(isBusinessDay(DateTime.fromISO('2027-04-23T20:00:00Z').setZone('Europe/Warsaw'), 'PL')).toBe(true);
  });

  test('waitUntil with businessDays skips Christmas Eve, Christmas and the weekend', () => {
    // Thu 2027-12-23 14:00: next 10:00 would be Fri 24 Dec (a Polish public holiday since 2025), then 25-26 -> Mon 27 Dec.
    expect(nextCalendarTime({ time: '10:00', businessDays: true }, 'Europe/Warsaw', warsaw('2027-12-23T14:00'), 'PL')).toBe(warsaw('2027-12-27T10:00'));
    expect(nextCalendarTime({ time: '10:00' }, 'Europe/Warsaw', warsaw('2027-12-23T14:00'))).toBe(warsaw('2027-12-24T10:00'));
  });
});

test('the DSL option passes the definition check', () => {
  const def = defineSequence({
    id: 'bd', version: 1, name: 'bd', description: '', entry: { stages: ['nurturing'], reentry: false, priority: 1 }, goals: [],
    steps: [send('cold-ebook', { businessDays: true }), wait('2 days', { businessDays: true }), waitUntil({ time: '10:00', businessDays: true }), send('cold-blog-digest')],
  });
  expect(definitionProblems(scoringRules, [{ current: def }])).toEqual([]);
});

describe('in the lead workflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  useTimeSkippingEnv((e) => (env = e));

  test('a business-day wait after Friday 10:00 and a send due on Saturday both land on business days', async () => {
    const w = fakeWorld();
    // Cold leads enter this one first (priority), whatever day the test server starts on.
    const seq: SequenceDefinition = defineSequence({
      id: 'business-days', version: 1, name: 'Business days', description: '', entry: { stages: ['nurturing'], temperatures: ['cold'], reentry: false, priority: 99 }, goals: [],
      steps: [
        waitUntil({ weekdays: [5], time: '10:00', minDaysAhead: 1 }),
        wait('1 day', { businessDays: true }),
        send('cold-ebook'),
        waitUntil({ weekdays: [6], time: '10:00' }),
        send('cold-blog-digest', { businessDays: true }),
      ],
    });
    await w.ready;
    await publishSequence(w.content, { current: seq });
    const tq = `business-days-${process.pid}`;
    const workers = await startWorkers(env, tq, w.activities);
    await workers.run(async () => {
      await signalLead(env, tq, 'BD-1', baseProfile(), { id: 'e1', type: 'page_viewed', data: { url: '/blog/x' } });
      await passUntil(env, async () => {
        if (w.mails.filter((m) => m.leadId === 'BD-1').length < 2) await env.sleep(3 * 86_400_000);
        return w.mails.filter((m) => m.leadId === 'BD-1').length >= 2;
      }, 'two mails');
    });
    const [first, second] = w.mails.filter((m) => m.leadId === 'BD-1');
    const local = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' }).setZone('Europe/Warsaw');
    // Timers fire a little late (ms to a second): compared to the minute.
    const toSecond = (t: DateTime) => t.set({ second: 0, millisecond: 0 }).toUTC().toISO();
    // The first: one business day after the Friday 10:00 before it (the fake calendar's waitUntil
    // counts in UTC), as the activity counts it in the lead's zone and country.
    expect(first.template).toBe('cold-ebook');
    const sentFirst = local(first.now!);
    let friday = sentFirst.setZone('utc').minus({ days: 1 });
    while (friday.weekday !== 5) friday = friday.minus({ days: 1 });
    friday = friday.set({ hour: 10, minute: 0, second: 0, millisecond: 0 });
    expect(isBusinessDay(sentFirst, 'PL')).toBe(true);
    expect(toSecond(sentFirst)).toBe(toSecond(local(businessTime(friday.toISO()!, 86_400_000, 'Europe/Warsaw', 'PL'))));
    expect(sentFirst.weekday).not.toBe(5);
    // The second was due on a Saturday 10:00: held to the next business day, 09:00.
    expect(second.template).toBe('cold-blog-digest');
    const sentSecond = local(second.now!);
    expect([isBusinessDay(sentSecond, 'PL'), sentSecond.hour, sentSecond.minute]).toEqual([true, 9, 0]);
    const held = w.events.find((e) => e.leadId === 'BD-1' && e.type === 'sequence_held');
    expect(held?.payload).toMatchObject({ template: 'cold-blog-digest', reason: 'not a business day' });
    const until = local(String((held!.payload as { until: string }).until));
    expect(toSecond(until)).toBe(toSecond(sentSecond));
    expect(local(held!.occurredAt).weekday).toBe(6);
  }, 180_000);
});
