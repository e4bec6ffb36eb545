// A re-contact task from the workflow's side, on the time-skipping server with the real database
// activities (task, routing, lead store) and in-memory mail: the lead says no, its survey says
// "later", on the re-qualification date a task is created for a manager who is mailed once with the
// lead card and everything the task holds; when the lead warms up and reaches sales it is offered to
// that manager first, not to the better-ranked one a hot lead would otherwise get. A task the manager
// closed through the API (POST /tasks/:id/close) holds the lead no longer. The refusal note and the
// survey comment (issue 18) are nowhere in the workflow's history, yet the manager's mail, sent by the
// real send activity, shows them: it reads them from the task's row.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import { createEmailActivities } from '../activities/email/send';
import { rejectLead } from '../domain/sales/refusal-note';
import { createLeadStoreActivities } from '../activities/leads/lead-store';
import { createRoutingActivities } from '../activities/sales/routing';
import { createTaskActivities } from '../activities/sales/tasks';
import { createApiKey } from '../api/auth';
import { managersPlugin } from '../api/managers';
import { buildApi } from '../api/server';
import { loadConfig } from '../runtime/config';
import type { LeadActivities } from '../workflows/activity-contract';
import { leadEventSignal, rejectUpdate, stateQuery } from '../workflows/lead/messages';
import { startTestSmtp, type TestSmtp } from './email.helpers';
import { createTestDb, type TestDb } from './helpers/db';
import { createTimeSkippingEnv } from './helpers/temporal';
import { fakeWorld } from './support/fake-activities';
import { baseProfile, signalLead, startWorkers, terminateLeftovers, passUntil } from './support/lead-harness';

const DAY = 86_400_000;
/** Unique text in the refusal note and the survey comment. */
const NOTE = `note-${Math.random().toString(36).slice(2, 12)}`;
const COMMENT = `comment-${Math.random().toString(36).slice(2, 12)}`;
let env: TestWorkflowEnvironment;
let t: TestDb;
let api: FastifyInstance;
let admin: string;
let smtp: TestSmtp;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  t = await createTestDb();
  smtp = await startTestSmtp();
  api = await buildApi({ db: t.db, temporal: env.client, config: loadConfig({ DATA_DIR: '/tmp/leadflow-recontact-workflow', LINK_SIGNING_SECRET: 'w'.repeat(40) }) }, [managersPlugin]);
  admin = (await createApiKey(t.db, 'ops', ['admin'])).key;
}, 120_000);
afterEach(async () => {
  await terminateLeftovers(env);
});
afterAll(async () => {
  await smtp?.stop();
  await api?.close();
  await t?.cleanup();
  await env?.teardown();
});

/** Lets workflow time pass in small steps until `ok` holds. */
const until = (ok: () => boolean | Promise<boolean>, what: string): Promise<void> => passUntil(env, ok, what);

/** `text` as it appears inside any base64 string (payloads are base64 JSON), at each of the three byte offsets. */
const base64Forms = (text: string): string[] =>
  [0, 1, 2].map((k) => Buffer.from('x'.repeat(k) + text).toString('base64').slice(Math.ceil((4 * k) / 3), Math.floor(((k + Buffer.byteLength(text)) * 8) / 6)));

test('re-qualified after a "later": the task\'s manager is mailed once, and gets the lead first when it reaches sales (until the task is closed)', async () => {
  const { db } = t;
  const allDay = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' };
  const mk = async (name: string, tier: number, conversionRate: number) =>
    (await db.manager.create({ data: { name, email: `${name}@sales.test`, languages: ['pl', 'en'], regions: [], tier, conversionRate, capacity: 5, timezone: 'Europe/Warsaw', workingHours: allDay, outOfOffice: [] } })).id;
  // A hot lead goes to tier 1 first; a warm or cold one (as at re-qualification) to tier 2 first.
  const top = await mk('top', 1, 0.6);
  const holder = await mk('holder', 2, 0.1);

  const profile = baseProfile({ email: 'rw1@recontact.test', jobTitle: 'CEO', companySize: 300 });
  const closed = baseProfile({ email: 'rw2@recontact.test', firstName: 'Jan', jobTitle: 'CEO', companySize: 300 });
  for (const [id, p] of [['RW1', profile], ['RW2', closed]] as const) {
    await db.lead.create({ data: { id, email: p.email, locale: p.locale, timezone: p.timezone, country: p.country ?? null, source: p.source, workflowId: `lead-${id}`, stage: 'new' } });
  }
  const w = fakeWorld();
  const routing = createRoutingActivities({ db, signal: async () => undefined });
  // The manager's re-contact mail goes through the real send activity too (to the SMTP server).
  const email = createEmailActivities({
    db,
    config: { smtp: { host: '127.0.0.1', port: smtp.port, secure: false, pool: false }, from: 'Acme <hello@acme.test>', companyName: 'Acme', companyAddress: '1 Main St', publicBaseUrl: 'https://leads.acme.test', siteUrl: 'https://www.acme.test', linkSecret: 'w'.repeat(40), quietHours: { start: '20:00', end: '08:00' }, cap: { max: 3, days: 7 } },
  });
  const sent: string[] = [];
  const activities: LeadActivities = {
    ...w.activities,
    async sendEmail(req) {
      const r = await w.activities.sendEmail(req);
      if (req.template === 'manager-recontact-task') sent.push((await email.sendEmail(req)).status);
      return r;
    },
    ...createLeadStoreActivities({ db }),
    ...createTaskActivities({ db }),
    routeLead: routing.routeLead,
    closeAssignment: routing.closeAssignment,
  };
  const tq = `recontact-${process.pid}`;
  const workers = await startWorkers(env, tq, activities);
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'RW1', profile, { id: 'rw-1', type: 'page_viewed', data: { url: '/blog/a' } });
    const h2 = await signalLead(env, tq, 'RW2', closed, { id: 'rw2-1', type: 'page_viewed', data: { url: '/blog/a' } });
    await env.sleep(1000);
    // A note as free text is refused (an update's input stays in the history): stored first, passed by id.
    const refused = await h.executeUpdate(rejectUpdate, { args: [{ reason: 'no_budget', by: 'sales', note: `${NOTE} (refused)` }] }).then(() => null, (e: unknown) => e);
    expect((refused as WorkflowUpdateFailedError).cause?.message).toMatch(/^note: free text is not taken by the workflow/);
    for (const x of ['RW1', 'RW2']) await rejectLead({ db, temporal: env.client }, x, { reason: 'no_budget', by: 'sales', note: `budget frozen until Q3 ${NOTE}` });
    expect((await h.query(stateQuery)).history.transitions.at(-1)?.reason).toBe('sales: no_budget (note on record)');
    // The survey is answered from the farewell mail's link, so after that mail is out: the answer
    // with its comment is stored, the workflow hears codes only (as api/survey.ts signals it).
    await until(() => w.mails.filter((m) => m.template === 'farewell').length === 2, 'both farewell mails');
    for (const x of [h, h2]) {
      const leadId = x.workflowId.replace(/^lead-/, '');
      const r = await db.surveyResponse.create({ data: { leadId, answers: { reason: 'bad_timing', timing: 'in_3_months', bringBack: [], comment: `call after the summer ${COMMENT}`, locale: 'en' } } });
      await x.signal(leadEventSignal, { id: `${x.workflowId}-survey`, type: 'survey_answered', data: { responseId: r.id, reason: 'bad_timing', timing: 'in_3_months', bringBack: '', commented: true, revisitMonths: 3 } });
    }
    await until(async () => (await h.query(stateQuery)).stage === 'deferred' && (await h2.query(stateQuery)).stage === 'deferred', 'deferred');
    // Behaviour while deferred that the task (and so the mail) reports.
    await env.sleep(20 * DAY);
    await h.signal(leadEventSignal, { id: 'rw-blog', type: 'page_viewed', data: { url: '/blog/spring-news' } });
    const requalifyAt = Math.max(Date.parse((await h.query(stateQuery)).requalifyAt!), Date.parse((await h2.query(stateQuery)).requalifyAt!));
    await env.sleep(requalifyAt + DAY - Number(await env.currentTimeMs()));
    expect((await h.query(stateQuery)).stage).toBe('nurturing');
    expect((await h2.query(stateQuery)).stage).toBe('nurturing');

    // One task each, for the tier-2 manager the ranking picks for a lead that is not hot.
    const tasks = await db.task.findMany({ where: { leadId: 'RW1' } });
    expect(tasks).toHaveLength(1);
    const task = tasks[0];
    expect(task).toMatchObject({ kind: 'recontact', status: 'open', managerId: holder });
    const task2 = await db.task.findFirstOrThrow({ where: { leadId: 'RW2' } });
    expect(task2).toMatchObject({ status: 'open', managerId: holder });

    // The manager hears of it: one staff mail in English, keyed per task, with the card and the task.
    const mails = w.mails.filter((m) => m.template === 'manager-recontact-task' && m.leadId === 'RW1');
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to: 'holder@sales.test', kind: 'transactional', locale: 'en', idempotencyKey: `RW1:recontact-task:${task.id}` });
    // No contact data and no free text from the workflow: the send activity adds them from the rows.
    for (const k of ['leadName', 'leadEmail', 'company', 'phone', 'firstName', 'refusalNote', 'surveyAnswers']) expect(mails[0].variables).not.toHaveProperty(k);
    expect(mails[0].variables).toMatchObject({ taskId: task.id, why: expect.stringMatching(/tier 2/) });
    expect(task.details).toMatchObject({ refusal: { reason: 'no_budget', note: `budget frozen until Q3 ${NOTE}` }, survey: { comment: `call after the summer ${COMMENT}` } });
    // The real send activity sent both managers' mails; each shows its lead's row and its task's lines.
    expect(sent).toEqual(['sent', 'sent']);
    const parsed = await Promise.all((await smtp.waitFor(2)).map((raw) => simpleParser(raw)));
    const rw1 = parsed.find((m) => m.text?.includes('rw1@recontact.test'))!;
    expect(rw1.subject).toMatch(/^Re-contact .*said no before, worth a call now$/);
    for (const text of [`budget frozen until Q3 ${NOTE}`, 'timing: in_3_months', `comment: call after the summer ${COMMENT}`, '/blog/spring-news', `POST /tasks/${task.id}/close`]) expect(rw1.text).toContain(text);
    expect(rw1.text).toMatch(/no_budget \(by sales, \d{4}-\d\d-\d\d\)/);

    // Issue 18: neither text is anywhere in the workflow's history (inputs, results, updates, markers,
    // continue-as-new), plain or base64.
    for (const x of [h, h2]) {
      const recorded = historyToJSON(await x.fetchHistory());
      // The search sees payload text: the neutral reason the rejection recorded (persistLead's marker).
      expect(base64Forms('sales: no_budget (note on record)').some((f) => recorded.includes(f))).toBe(true);
      for (const secret of [NOTE, COMMENT]) for (const form of [secret, ...base64Forms(secret)]) expect(recorded).not.toContain(form);
    }

    // The manager closes the second lead's task through the API; its workflow hears of it.
    const close = await api.inject({ method: 'POST', url: `/tasks/${task2.id}/close`, headers: { authorization: `Bearer ${admin}` }, payload: { status: 'done' } });
    expect(close.statusCode).toBe(200);
    await until(async () => (await db.leadEvent.count({ where: { leadId: 'RW2', type: 'recontact_task_closed' } })) === 1, 'the close recorded on the lead');

    // Both warm up: a demo request and pricing. Hot, a lead goes to `top`; an open task's holder comes first.
    for (const x of [h, h2]) {
      await x.signal(leadEventSignal, { id: `${x.workflowId}-pricing`, type: 'page_viewed', data: { url: '/pricing' } });
      await x.signal(leadEventSignal, { id: `${x.workflowId}-demo`, type: 'demo_booked', data: {} });
    }
    await until(async () => (await h.query(stateQuery)).stage === 'handed_off' && (await h2.query(stateQuery)).stage === 'handed_off', 'handed off');
    expect((await h.query(stateQuery)).temperature).toBe('hot');
    expect((await h2.query(stateQuery)).temperature).toBe('hot');
    const offered = await db.assignment.findMany({ where: { leadId: 'RW1' } });
    expect(offered.map((a) => a.managerId)).toEqual([holder]);
    expect(offered[0].reason).toMatch(/^holds the lead's re-contact task; hot lead/);
    const newLead = (leadId: string) => w.mails.filter((m) => m.template === 'manager-new-lead' && m.leadId === leadId).map((m) => m.to);
    expect(newLead('RW1')).toEqual(['holder@sales.test']);
    // Its task closed, the second lead is routed by the ranking alone.
    const offered2 = await db.assignment.findMany({ where: { leadId: 'RW2' } });
    expect(offered2.map((a) => a.managerId)).toEqual([top]);
    expect(offered2[0].reason).not.toMatch(/re-contact/);
    expect(newLead('RW2')).toEqual(['top@sales.test']);
    // Still one re-contact mail per task: nothing re-sent on the way.
    expect(w.mails.filter((m) => m.template === 'manager-recontact-task').map((m) => m.idempotencyKey).sort()).toEqual([`RW1:recontact-task:${task.id}`, `RW2:recontact-task:${task2.id}`]);
  });
}, 240_000);

test('free text sent in events (a sales_rejected note, a survey comment) is dropped on arrival: only the signal itself holds it', async () => {
  const marker = `dropped-${Math.random().toString(36).slice(2, 12)}`;
  const w = fakeWorld();
  const tq = `recontact-drop-${process.pid}`;
  const workers = await startWorkers(env, tq, w.activities);
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'RW3', baseProfile({ email: 'rw3@recontact.test' }), { id: 'rw3-1', type: 'page_viewed', data: { url: '/blog/a' } });
    await env.sleep(1000);
    await h.signal(leadEventSignal, { id: 'rw3-no', type: 'sales_rejected', data: { reason: 'no_budget', note: `${marker} note` } });
    await until(async () => (await h.query(stateQuery)).stage === 'rejected', 'rejected');
    await until(() => w.mails.some((m) => m.template === 'farewell'), 'the farewell mail');
    await h.signal(leadEventSignal, { id: 'rw3-survey', type: 'survey_answered', data: { reason: 'bad_timing', timing: 'in_3_months', revisitMonths: 3, comment: `${marker} comment` } });
    await until(async () => (await h.query(stateQuery)).rejection?.survey !== undefined, 'the survey heard');
    const v = await h.query(stateQuery);
    expect(v.rejection).toMatchObject({ reason: 'no_budget', by: 'sales', survey: { reason: 'bad_timing', timing: 'in_3_months' } });
    expect(JSON.stringify(v)).not.toContain(marker);
    expect(JSON.stringify(w.events)).not.toContain(marker);
    // Everything the workflow recorded besides the two signals' own inputs.
    const events = JSON.parse(historyToJSON(await h.fetchHistory())).events as Record<string, unknown>[];
    const own = JSON.stringify(events.filter((e) => !('workflowExecutionSignaledEventAttributes' in e)));
    const signalled = JSON.stringify(events.filter((e) => 'workflowExecutionSignaledEventAttributes' in e));
    expect(base64Forms(marker).some((f) => signalled.includes(f))).toBe(true);
    for (const form of [marker, ...base64Forms(marker)]) expect(own).not.toContain(form);
  });
}, 120_000);
