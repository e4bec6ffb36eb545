// A re-contact task from the workflow's side, on the time-skipping server with the real database
// activities (task, routing, lead store) and in-memory mail: the lead says no, its survey says
// "later", on the re-qualification date a task is created for a manager who is mailed once with the
// lead card and everything the task holds; when the lead warms up and reaches sales it is offered to
// that manager first, not to the better-ranked one a hot lead would otherwise get.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createLeadStoreActivities } from '../activities/lead-store';
import { createRoutingActivities } from '../activities/routing';
import { createTaskActivities } from '../activities/tasks';
import type { LeadActivities } from '../workflows/activity-contract';
import { leadEventSignal, rejectUpdate, stateQuery } from '../workflows/messages';
import { createTestDb, type TestDb } from './helpers/db';
import { createTimeSkippingEnv } from './helpers/temporal';
import { fakeWorld } from './support/fake-activities';
import { baseProfile, signalLead, startWorkers, terminateLeftovers } from './support/lead-harness';

const DAY = 86_400_000;
let env: TestWorkflowEnvironment;
let t: TestDb;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  t = await createTestDb();
}, 120_000);
afterEach(async () => {
  await terminateLeftovers(env);
});
afterAll(async () => {
  await t?.cleanup();
  await env?.teardown();
});

/** Lets workflow time pass in small steps until `ok` holds (activities run on real time meanwhile). */
async function until(ok: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await ok()) return;
    await env.sleep(1000);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('re-qualified after a "later": the task\'s manager is mailed once, and gets the lead first when it reaches sales', async () => {
  const { db } = t;
  const allDay = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' };
  const mk = async (name: string, tier: number, conversionRate: number) =>
    (await db.manager.create({ data: { name, email: `${name}@sales.test`, languages: ['pl', 'en'], regions: [], tier, conversionRate, capacity: 5, timezone: 'Europe/Warsaw', workingHours: allDay, outOfOffice: [] } })).id;
  // A hot lead goes to tier 1 first; a warm or cold one (as at re-qualification) to tier 2 first.
  const top = await mk('top', 1, 0.6);
  const holder = await mk('holder', 2, 0.1);

  const profile = baseProfile({ email: 'rw1@recontact.test', jobTitle: 'CEO', companySize: 300 });
  await db.lead.create({ data: { id: 'RW1', email: profile.email, locale: profile.locale, timezone: profile.timezone, country: profile.country ?? null, source: profile.source, workflowId: 'lead-RW1', stage: 'new' } });
  const w = fakeWorld();
  const routing = createRoutingActivities({ db, signal: async () => undefined });
  const activities: LeadActivities = {
    ...w.activities,
    ...createLeadStoreActivities({ db }),
    ...createTaskActivities({ db }),
    routeLead: routing.routeLead,
    closeAssignment: routing.closeAssignment,
  };
  const tq = `recontact-${process.pid}`;
  const workers = await startWorkers(env, tq, activities);
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'RW1', profile, { id: 'rw-1', type: 'page_viewed', data: { url: '/blog/a' } });
    await env.sleep(1000);
    await h.executeUpdate(rejectUpdate, { args: [{ reason: 'no_budget', by: 'sales', note: 'budget frozen until Q3' }] });
    await h.signal(leadEventSignal, { id: 'rw-survey', type: 'survey_answered', data: { reason: 'bad_timing', timing: 'in_3_months', revisitMonths: 3 } });
    await until(async () => (await h.query(stateQuery)).stage === 'deferred', 'deferred');
    // Behaviour while deferred that the task (and so the mail) reports.
    await env.sleep(20 * DAY);
    await h.signal(leadEventSignal, { id: 'rw-blog', type: 'page_viewed', data: { url: '/blog/spring-news' } });
    const requalifyAt = Date.parse((await h.query(stateQuery)).requalifyAt!);
    await env.sleep(requalifyAt + DAY - Number(await env.currentTimeMs()));
    expect((await h.query(stateQuery)).stage).toBe('nurturing');

    // One task, for the tier-2 manager the ranking picks for a lead that is not hot.
    const tasks = await db.task.findMany({ where: { leadId: 'RW1' } });
    expect(tasks).toHaveLength(1);
    const task = tasks[0];
    expect(task).toMatchObject({ kind: 'recontact', status: 'open', managerId: holder });

    // The manager hears of it: one staff mail in English, keyed per task, with the card and the task.
    const mails = w.mails.filter((m) => m.template === 'manager-recontact-task');
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to: 'holder@sales.test', kind: 'transactional', locale: 'en', idempotencyKey: `RW1:recontact-task:${task.id}` });
    expect(mails[0].variables).toMatchObject({
      leadName: 'Ola Nowak',
      leadEmail: 'rw1@recontact.test',
      company: 'Acme',
      taskId: task.id,
      refusal: expect.stringMatching(/^no_budget \(by sales, \d{4}-\d\d-\d\d\)$/),
      refusalNote: 'budget frozen until Q3',
      surveyAnswers: expect.stringContaining('timing: in_3_months'),
      behaviourSince: expect.stringContaining('/blog/spring-news'),
    });
    expect(String(mails[0].variables.why)).toMatch(/tier 2/);

    // It warms up: a demo request and pricing. Hot, it would go to `top`; the task's holder comes first.
    await h.signal(leadEventSignal, { id: 'rw-pricing', type: 'page_viewed', data: { url: '/pricing' } });
    await h.signal(leadEventSignal, { id: 'rw-demo', type: 'demo_booked', data: {} });
    await until(async () => (await h.query(stateQuery)).stage === 'handed_off', 'handed off');
    const v = await h.query(stateQuery);
    expect(v.temperature).toBe('hot');
    const offered = await db.assignment.findMany({ where: { leadId: 'RW1' } });
    expect(offered.map((a) => a.managerId)).toEqual([holder]);
    expect(offered[0].reason).toMatch(/^holds the lead's re-contact task; hot lead/);
    expect(w.mails.filter((m) => m.template === 'manager-new-lead').map((m) => m.to)).toEqual(['holder@sales.test']);
    expect(offered.some((a) => a.managerId === top)).toBe(false);
    // Still one re-contact mail: nothing re-sent on the way.
    expect(w.mails.filter((m) => m.template === 'manager-recontact-task')).toHaveLength(1);
  });
}, 240_000);
