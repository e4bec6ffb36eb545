// A rejected lead's life over three years on the time-skipping server: farewell once, the survey
// answered through the real HTTP page, holiday greetings from the real calendar activity on the right
// dates for a Polish and a Greek lead (Western vs Orthodox Easter), never twice, 
// re-qualification on its date (re-contact task when the survey said "later"); and a click
// from the deferred base bringing a lead back to sales early.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import { createCalendarActivities } from '../activities/calendar';
import { linkBuilder } from '../domain/mail/links';
import { loadConfig } from '../runtime/config';
import { buildApi } from '../api/server';
import { surveyPlugin } from '../api/survey';
import type { LeadActivities } from '../workflows/activity-contract';
import { leadEventSignal, rejectUpdate, stateQuery } from '../workflows/lead/messages';
import { MAIL_PRIORITY } from '../workflows/lead/mail-priority';
import type { LeadProfile } from '../workflows/types';
import { createTestDb, type TestDb } from './helpers/db';
import { activityCalls, mailPriorities } from './helpers/history';
import { fakeWorld, type FakeWorld } from './support/fake-activities';
import { baseProfile, signalLead, startWorkers, passUntil, useTimeSkippingEnv } from './support/lead-harness';

const DAY = 86_400_000;
const SECRET = 'q'.repeat(40);
let env: TestWorkflowEnvironment;
let t: TestDb;
let api: FastifyInstance;
let base: string;
let n = 0;
const progress = (what: string): void => {
  if (process.env.DEFERRED_DEBUG) console.log(`${new Date().toISOString()} ${what}`);
};
const queue = (): string => `deferred-life-${process.pid}-${++n}`;

useTimeSkippingEnv((e) => (env = e));
beforeAll(async () => {
  t = await createTestDb();
}, 120_000);
// The API on each test's own time-skipping server.
beforeEach(async () => {
  api = await buildApi({ db: t.db, temporal: env.client, config: loadConfig({ DATA_DIR: '/tmp/leadflow-deferred-life', LINK_SIGNING_SECRET: SECRET }) }, [surveyPlugin]);
  await api.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
});
afterEach(async () => {
  await api?.close();
});
afterAll(async () => {
  await t?.cleanup();
});

/** Lets workflow time pass in small steps until `ok` holds. */
const until = (ok: () => boolean | Promise<boolean>, what: string): Promise<void> => passUntil(env, ok, what);

/** Fake effects, but the real holiday calendar (date-holidays): the dates are what is tested. */
const activitiesOf = (w: FakeWorld): LeadActivities => ({ ...w.activities, nextHoliday: createCalendarActivities().nextHoliday });

async function leadRow(id: string, p: LeadProfile): Promise<void> {
  await t.db.lead.create({ data: { id, email: p.email, locale: p.locale, timezone: p.timezone, country: p.country ?? null, source: p.source, workflowId: `lead-${id}`, stage: 'nurturing' } });
}

async function answerSurvey(leadId: string, form: Record<string, string>): Promise<void> {
  // The link exactly as the farewell mail carries it.
  const res = await fetch(linkBuilder(base, SECRET).survey(leadId), { method: 'POST', body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  expect(res.status).toBe(200);
}

const greetingsOf = (w: FakeWorld, leadId: string) => w.mails.filter((m) => m.leadId === leadId && m.template === 'holiday-greeting');
const stagesOf = (w: FakeWorld, leadId: string) => w.events.filter((e) => e.leadId === leadId && e.type === 'stage_changed').map((e) => ({ to: e.stageTo!, at: Date.parse(e.occurredAt) }));

/** Intervals the lead spent in `deferred`, from its stage history. */
function deferredSpans(w: FakeWorld, leadId: string, end: number): [number, number][] {
  const spans: [number, number][] = [];
  let from: number | null = null;
  for (const s of stagesOf(w, leadId)) {
    if (s.to === 'deferred') from = s.at;
    else if (from !== null) {
      spans.push([from, s.at]);
      from = null;
    }
  }
  if (from !== null) spans.push([from, end]);
  return spans;
}

test('three years after a "no": farewell once, survey over HTTP, greetings on the right dates (PL vs GR Easter), never twice, re-qualification on its date', async () => {
  const w = fakeWorld();
  const tq = queue();
  const pl = baseProfile({ email: 'ola@deferred.test' });
  const gr = baseProfile({ email: 'eleni@deferred.test', firstName: 'Eleni', locale: 'el', timezone: 'Europe/Athens', country: 'GR' });
  await leadRow('PL1', pl);
  await leadRow('GR1', gr);
  const t0 = Number(await env.currentTimeMs());
  const end = t0 + 3 * 365 * DAY;

  let plRequalifyAt = 0;
  let grRequalifyAt = 0;
  const workers = await startWorkers(env, tq, activitiesOf(w));
  await workers.run(async () => {
    const hPl = await signalLead(env, tq, 'PL1', pl, { id: 'pl-1', type: 'page_viewed', data: { url: '/blog/a' } });
    const hGr = await signalLead(env, tq, 'GR1', gr, { id: 'gr-1', type: 'page_viewed', data: { url: '/blog/b' } });
    await env.sleep(1000);
    await hPl.executeUpdate(rejectUpdate, { args: [{ reason: 'no_budget', by: 'sales', noteId: 'note-pl1' }] });
    await hGr.executeUpdate(rejectUpdate, { args: [{ reason: 'chose_competitor', by: 'lead' }] });
    await until(() => w.mails.filter((m) => m.template === 'farewell').length === 2, 'both farewell mails');
    expect(w.mails.filter((m) => m.template === 'farewell').map((m) => m.leadId).sort()).toEqual(['GR1', 'PL1']);

    progress('rejected');
    // The survey, through the page the farewell mail links to.
    await answerSurvey('PL1', { reason: 'bad_timing', timing: 'in_6_months', budget: 'small' });
    await answerSurvey('GR1', { reason: 'chose_competitor', timing: 'not_sure' });
    await until(async () => (await hPl.query(stateQuery)).stage === 'deferred' && (await hGr.query(stateQuery)).stage === 'deferred', 'both deferred');
    const vPl = await hPl.query(stateQuery);
    const vGr = await hGr.query(stateQuery);
    expect(vPl.stage).toBe('deferred');
    expect(vPl.rejection?.survey).toMatchObject({ reason: 'bad_timing', timing: 'in_6_months', revisitMonths: 6 });
    expect(vGr.stage).toBe('deferred');
    plRequalifyAt = Date.parse(vPl.requalifyAt!);
    grRequalifyAt = Date.parse(vGr.requalifyAt!);
    // "later, in 6 months" vs a competitor: no sooner than a year.
    expect((plRequalifyAt - Date.parse(vPl.rejection!.at)) / DAY).toBeCloseTo(6 * 30.44, 0);
    expect((grRequalifyAt - Date.parse(vGr.rejection!.at)) / DAY).toBeCloseTo(12 * 30.44, 0);
    // The state query names the next greeting: Christmas for both, 10:00 local.
    expect(vPl.nextHoliday?.date).toMatch(/-12-25T09:00:00\.000Z$/);
    expect(vGr.nextHoliday?.date).toMatch(/-12-25T08:00:00\.000Z$/);
    // The look-up ran as a local activity (HOLIDAY_LOOKUP_LOCAL_PATCH): no task through the server.
    const lookups = await activityCalls(hGr, 'nextHoliday');
    expect(lookups.remote).toBe(0);
    expect(lookups.local).toBeGreaterThanOrEqual(1);

    progress('deferred');
    // Past the Polish lead's date: the survey said "later", so a manager gets a re-contact task.
    await env.sleep(plRequalifyAt + DAY - Number(await env.currentTimeMs()));
    expect((await hPl.query(stateQuery)).stage).toBe('nurturing');
    const plReq = w.events.find((e) => e.leadId === 'PL1' && e.type === 'requalified')!;
    expect(Math.abs(Date.parse(plReq.occurredAt) - plRequalifyAt)).toBeLessThan(60_000);
    expect(w.tasks).toHaveLength(1);
    expect(w.tasks[0]).toMatchObject({ leadId: 'PL1', rejection: { reason: 'no_budget', noteId: 'note-pl1', survey: { reason: 'bad_timing', timing: 'in_6_months' } } });

    progress('PL re-qualified');
    // The Greek lead's year: no task (not "later", score low), back to nurturing on the date.
    await env.sleep(grRequalifyAt + DAY - Number(await env.currentTimeMs()));
    expect((await hGr.query(stateQuery)).stage).toBe('nurturing');
    const grReq = w.events.find((e) => e.leadId === 'GR1' && e.type === 'requalified')!;
    expect(Math.abs(Date.parse(grReq.occurredAt) - grRequalifyAt)).toBeLessThan(60_000);
    expect(w.tasks).toHaveLength(1);

    progress('GR re-qualified');
    // Year two: the Polish lead says no again and ignores the survey (reminder, then deferred).
    await hPl.executeUpdate(rejectUpdate, { args: [{ reason: 'no_budget', by: 'lead' }] });
    await env.sleep(end - Number(await env.currentTimeMs()));
    progress('three years done');
  });

  // Farewell once per "no"; the reminder only for the unanswered one.
  const farewells = w.mails.filter((m) => m.template === 'farewell');
  expect(farewells.map((m) => m.leadId).sort()).toEqual(['GR1', 'PL1', 'PL1']);
  expect(new Set(farewells.map((m) => m.idempotencyKey)).size).toBe(3);
  expect(w.mails.filter((m) => m.template === 'farewell-survey-reminder').map((m) => m.leadId)).toEqual(['PL1']);

  const at = (m: { now?: string }) => Date.parse(m.now!);
  for (const [leadId, zone, country] of [['PL1', 'Europe/Warsaw', 'PL'], ['GR1', 'Europe/Athens', 'GR']] as const) {
    const g = greetingsOf(w, leadId);
    expect(g.length).toBeGreaterThanOrEqual(5);
    // Never twice: one mail per holiday occurrence, whatever restarts happened.
    expect(new Set(g.map((m) => m.idempotencyKey)).size).toBe(g.length);
    const spans = deferredSpans(w, leadId, end);
    for (const m of g) {
      const local = DateTime.fromMillis(at(m), { zone });
      // 10:00 local on the holiday the key names, and only while deferred.
      expect(local.toFormat('HH:mm')).toBe('10:00');
      expect(m.idempotencyKey).toBe(`${leadId}:holiday:${country}:${local.toISODate()}:${m.idempotencyKey.split(':').pop()}`);
      expect(spans.some(([a, b]) => a <= at(m) && at(m) <= b)).toBe(true);
    }
  }
  const dates = (leadId: string) => greetingsOf(w, leadId).map((m) => m.idempotencyKey.split(':').slice(3).join(':'));
  // Easter 2027: 28 March in Poland, Orthodox Easter 2 May in Greece; never the other's.
  expect(dates('PL1')).toContain('2027-03-28:easter');
  expect(dates('GR1')).toContain('2027-05-02:easter');
  expect(dates('PL1')).not.toContain('2027-05-02:easter');
  expect(dates('GR1')).not.toContain('2027-03-28:easter');
  expect(dates('GR1')).toEqual(expect.arrayContaining(['2026-12-25:christmas', '2027-01-01:new-year', '2027-03-25:independence-day', '2027-10-28:ochi-day']));
  // Greetings use the lead's own language for the holiday's name.
  expect(greetingsOf(w, 'GR1').find((m) => m.idempotencyKey.endsWith('2027-05-02:easter'))?.variables.holiday).toMatch(/Πάσχα/);
  expect(greetingsOf(w, 'PL1').find((m) => m.idempotencyKey.endsWith('2027-03-28:easter'))?.variables.holiday).toMatch(/Wielkanoc/);
  // The second deferral (year two to three) greets again, for that year's holidays only.
  expect(dates('PL1').some((d) => d.startsWith('2028-') || d.startsWith('2029-'))).toBe(true);
}, 300_000);

test('a click from the deferred base (offer to pricing) brings the lead back to sales at once', async () => {
  const w = fakeWorld();
  const tq = queue();
  const ceo = baseProfile({ email: 'ceo@deferred.test', jobTitle: 'CEO', companySize: 300 });
  const workers = await startWorkers(env, tq, activitiesOf(w));
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'CL1', ceo, { id: 'c-1', type: 'page_viewed', data: { url: '/blog/c' } });
    await env.sleep(1000);
    await h.executeUpdate(rejectUpdate, { args: [{ reason: 'no_budget', by: 'sales' }] });
    await h.signal(leadEventSignal, { id: 'c-survey', type: 'survey_answered', data: { reason: 'no_budget', timing: 'in_12_months', revisitMonths: 12 } });
    await env.sleep(90 * DAY);
    let v = await h.query(stateQuery);
    expect(v.stage).toBe('deferred');
    expect(v.score.total).toBeLessThan(45);
    const requalifyAt = Date.parse(v.requalifyAt!);

    await h.signal(leadEventSignal, { id: 'c-click', type: 'email_clicked', data: { url: 'https://www.example.com/offers/spring-starter', mail: 'CL1:offer:run-1' } });
    await h.signal(leadEventSignal, { id: 'c-pricing', type: 'page_viewed', data: { url: '/pricing' } });
    // A buying signal: re-contact task for the owner first, then sales (a few activities, in order).
    await until(async () => (await h.query(stateQuery)).stage === 'handed_off' && w.mails.some((m) => m.template === 'manager-new-lead'), 'the hand-off');
    v = await h.query(stateQuery);
    expect(v.stage).toBe('handed_off');
    expect(w.mails.filter((m) => m.leadId === 'CL1' && m.template.startsWith('manager-')).map((m) => m.template)).toEqual(['manager-recontact-task', 'manager-new-lead']);
    expect(v.history.transitions.map((x) => x.to)).toContain('sql');
    expect(v.history.transitions.find((x) => x.to === 'sql')?.reason).toMatch(/deferred lead showed interest/);
    expect(Date.parse(v.history.transitions.find((x) => x.to === 'sql')!.at)).toBeLessThan(requalifyAt - 200 * DAY);
    expect(w.mails.some((m) => m.template === 'manager-new-lead')).toBe(true);
  });
}, 120_000);

test('a greeting held back by quiet hours or the cap is sent later the same day, once; a day late it is dropped', async () => {
  const w = fakeWorld();
  const tq = queue();
  const t0 = Number(await env.currentTimeMs());
  w.activities.nextHoliday = async (_c, _l, _tz, after) => w.holidays.find((x) => Date.parse(x.sendAt) > Date.parse(after)) ?? null;
  w.holidays = [
    { key: 'PL:a:quiet', name: 'Quiet', sendAt: new Date(t0 + 30 * DAY).toISOString() },
    { key: 'PL:b:capped', name: 'Capped', sendAt: new Date(t0 + 60 * DAY).toISOString() },
  ];
  const tried: Record<string, number> = {};
  w.sendOverride = (req) => {
    if (req.template !== 'holiday-greeting') return undefined;
    tried[req.idempotencyKey] = (tried[req.idempotencyKey] ?? 0) + 1;
    const at = Date.parse(req.now!);
    // The first greeting: two hours of quiet left. The second: capped for three days.
    if (req.idempotencyKey.endsWith('quiet') && tried[req.idempotencyKey] === 1) return { status: 'deferred', until: new Date(at + 2 * 3_600_000).toISOString(), reason: 'quiet_hours' };
    if (req.idempotencyKey.endsWith('capped')) return { status: 'deferred', until: new Date(at + 3 * DAY).toISOString(), reason: 'frequency_cap' };
    return undefined;
  };
  const workers = await startWorkers(env, tq, w.activities);
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'HG1', baseProfile({ email: 'hg@deferred.test' }), { id: 'hg-1', type: 'page_viewed', data: { url: '/blog/a' } });
    await env.sleep(1000);
    await h.executeUpdate(rejectUpdate, { args: [{ reason: 'no_budget', by: 'sales' }] });
    await h.signal(leadEventSignal, { id: 'hg-survey', type: 'survey_answered', data: { reason: 'no_budget', timing: 'in_12_months', revisitMonths: 12 } });
    await env.sleep(70 * DAY);
    // On the mail queue the greetings (a campaign sent to many at once) come after a lead's own mail.
    const priorities = await mailPriorities(h);
    expect(priorities['holiday-greeting']).toEqual([MAIL_PRIORITY.campaign, MAIL_PRIORITY.campaign, MAIL_PRIORITY.campaign]);
    const own = Object.entries(priorities).filter(([template]) => template !== 'holiday-greeting');
    expect(own.map(([template]) => template)).toContain('farewell');
    for (const [, keys] of own) expect(keys.every((k) => k === MAIL_PRIORITY.individual)).toBe(true);
  });
  const g = greetingsOf(w, 'HG1');
  expect(g.map((m) => m.variables.holiday)).toEqual(['Quiet']);
  expect(Date.parse(g[0].now!) - (t0 + 30 * DAY)).toBeGreaterThanOrEqual(2 * 3_600_000);
  expect(Date.parse(g[0].now!) - (t0 + 30 * DAY)).toBeLessThan(3 * 3_600_000);
  expect(tried).toEqual({ 'HG1:holiday:PL:a:quiet': 2, 'HG1:holiday:PL:b:capped': 1 });
  const outcomes = w.events.filter((e) => e.leadId === 'HG1' && e.type.startsWith('holiday_greeting')).map((e) => [e.type, e.payload?.key]);
  expect(outcomes).toEqual([['holiday_greeting_sent', 'PL:a:quiet'], ['holiday_greeting_not_sent', 'PL:b:capped']]);
}, 120_000);
