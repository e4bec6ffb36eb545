// The deferred base holds, through the real API: a hot lead said "no"; its survey (the HTTP page)
// says "no budget, in 3 months"; then a blog view (POST /leads/:id/events) and an open (the tracking
// pixel): it stays deferred and sales hear nothing. On the re-qualification date it goes back to
// nurturing, and its owner of record has a re-contact task (and its mail) first.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { linkBuilder } from '../domain/mail/links';
import { createLeadStoreActivities } from '../activities/leads/lead-store';
import { createApiKey } from '../api/auth';
import { createIntakePlugin } from '../api/intake';
import { linksPlugin } from '../api/links';
import { buildApi } from '../api/server';
import { surveyPlugin } from '../api/survey';
import { loadConfig } from '../runtime/config';
import { createEmailVerifier } from '../domain/intake/email-verification';
import { leadEventSignal, rejectUpdate, stateQuery } from '../workflows/lead/messages';
import { createTestDb, type TestDb } from './helpers/db';
import { fakeResolver, validLead } from './intake.helpers';
import { fakeWorld } from './support/fake-activities';
import { passUntil, startWorkers, useTimeSkippingEnv } from './support/lead-harness';

const DAY = 86_400_000;
const SECRET = 'd'.repeat(40);
let env: TestWorkflowEnvironment;
useTimeSkippingEnv((e) => (env = e));
let t: TestDb;
let api: FastifyInstance;
let base: string;
const tq = `deferred-api-${process.pid}`;
let key: string;

beforeAll(async () => {
  t = await createTestDb();
  key = (await createApiKey(t.db, 'web forms', ['intake'])).key;
  // The fake routing's managers, as rows (the lead's owner is a real foreign key).
  for (const [id, email] of [['m1', 'anna@sales.test'], ['m2', 'bob@sales.test']]) {
    await t.db.manager.create({ data: { id, name: id, email, languages: [], regions: [], workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }, outOfOffice: [] } });
  }
}, 120_000);
// The API on each test's own time-skipping server.
beforeEach(async () => {
  const config = loadConfig({ DATA_DIR: '/tmp/leadflow-deferred-api', TASK_QUEUE: tq, LINK_SIGNING_SECRET: SECRET, API_RATE_LIMIT_PER_MINUTE: '100000' });
  api = await buildApi({ db: t.db, temporal: env.client, config }, [linksPlugin, surveyPlugin, createIntakePlugin({ verifier: createEmailVerifier({ resolver: fakeResolver }) })]);
  await api.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
});
afterEach(async () => {
  await api?.close();
});
afterAll(async () => {
  await t?.cleanup();
});

const post = (path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('"no budget, in 3 months": a blog view and an open keep it deferred; on the date, nurturing with a re-contact task', async () => {
  const w = fakeWorld();
  const workers = await startWorkers(env, tq, { ...w.activities, ...createLeadStoreActivities({ db: t.db }) });
  await workers.run(async () => {
    // A CEO of a large company who was ready for sales.
    const res = await post('/leads', validLead({ email: 'eve@deferred-api.test', jobTitle: 'CEO', companySize: 400 }));
    expect(res.status).toBe(201);
    const { leadId } = (await res.json()) as { leadId: string };
    for (const [id, type, data] of [['p', 'page_viewed', { url: '/pricing' }], ['d', 'demo_booked', {}], ['r', 'replied', {}]] as const) {
      expect((await post(`/leads/${leadId}/events`, { id, type, data })).status).toBe(202);
    }
    const h = env.client.workflow.getHandle(`lead-${leadId}`);
    await passUntil(env, async () => (await h.query(stateQuery)).stage === 'handed_off', 'hand-off');
    const owner = (await h.query(stateQuery)).owner;
    const salesMails = (): number => w.mails.filter((m) => m.leadId === leadId && m.template === 'manager-new-lead').length;
    expect(salesMails()).toBe(1);

    // The "no", then the survey through its page.
    await h.executeUpdate(rejectUpdate, { args: [{ reason: 'no_budget', by: 'sales', noteId: 'note-1' }] });
    const survey = await fetch(linkBuilder(base, SECRET).survey(leadId), { method: 'POST', body: new URLSearchParams({ reason: 'no_budget', timing: 'in_3_months' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(survey.status).toBe(200);
    await passUntil(env, async () => (await h.query(stateQuery)).stage === 'deferred', 'deferred');
    const requalifyAt = Date.parse((await h.query(stateQuery)).requalifyAt!);

    // A blog view and an open, right after.
    expect((await post(`/leads/${leadId}/events`, { id: 'blog', type: 'page_viewed', data: { url: '/blog/some-post' } })).status).toBe(202);
    expect((await fetch(linkBuilder(base, SECRET).open(`${leadId}:farewell`, leadId))).status).toBe(200);
    await passUntil(env, async () => (await h.query(stateQuery)).history.eventsReceived >= 6, 'the blog view and the open');
    await env.sleep(60_000);
    let v = await h.query(stateQuery);
    expect(v.stage).toBe('deferred');
    expect(v.score.events.map((e) => e.type)).not.toContain('demo_booked'); // readiness since the "no"
    const since = v.history.transitions.map((x) => x.to);
    expect(since.slice(since.lastIndexOf('rejected'))).toEqual(['rejected', 'deferred']);
    expect(salesMails()).toBe(1);
    expect(w.tasks).toEqual([]);

    // The re-qualification date (3 months after the "no").
    await env.sleep(requalifyAt - Number(await env.currentTimeMs()) + 60_000);
    await passUntil(env, async () => (await h.query(stateQuery)).stage === 'nurturing', 'nurturing after re-qualification');
    v = await h.query(stateQuery);
    expect(v.history.transitions.at(-1)?.reason).toMatch(/re-contact task for /);
    expect(w.tasks).toHaveLength(1);
    expect(w.tasks[0]).toMatchObject({ leadId, previousOwner: owner });
    expect(w.mails.filter((m) => m.leadId === leadId && m.template === 'manager-recontact-task')).toHaveLength(1);
    expect(salesMails()).toBe(1);
    expect((await t.db.lead.findUniqueOrThrow({ where: { id: leadId } })).stage).toBe('nurturing');
    // Three months later than the "no", give or take the survey's day.
    expect(requalifyAt - Date.parse(v.rejection!.at)).toBeGreaterThan(85 * DAY);
  });
});

test('a bounced duplicate: the same blog view delivered twice still counts once (and never to sales)', async () => {
  // Guard for the scenario above: a duplicate signal id is ignored by the lead.
  const w = fakeWorld();
  const workers = await startWorkers(env, tq, { ...w.activities, ...createLeadStoreActivities({ db: t.db }) });
  await workers.run(async () => {
    const res = await post('/leads', validLead({ email: 'dup@deferred-api.test' }));
    const { leadId } = (await res.json()) as { leadId: string };
    const h = env.client.workflow.getHandle(`lead-${leadId}`);
    await h.signal(leadEventSignal, { id: 'x', type: 'page_viewed', data: { url: '/blog/a' } });
    await h.signal(leadEventSignal, { id: 'x', type: 'page_viewed', data: { url: '/blog/a' } });
    await passUntil(env, async () => (await h.query(stateQuery)).history.duplicatesIgnored === 1, 'the duplicate');
  });
});
