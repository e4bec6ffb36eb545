// The repository-level checks on PostgreSQL: migrations, constraints, the capacity guard, and the
// lead store's SQL (activities/leads/lead-store.ts).
import { isUniqueViolation } from '../domain/db';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createLeadStoreActivities } from '../activities/leads/lead-store';
import { createLedger } from '../activities/email/ledger';
import pg from 'pg';
import { createTestDb, type TestDb } from './helpers/db';
import { eventually } from './helpers/eventually';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.cleanup();
});
const check = (title: string, fn: (t: TestDb) => Promise<void>): void => test(title, async () => fn(t));

check('migrations applied; a lead with its history and client round-trips', async ({ db }) => {
  const lead = await db.lead.create({ data: { email: 'a@x.test', source: 'web_form', workflowId: 'lead-a', utm: { utm_source: 'google', utm_campaign: 'q1' } } });
  await db.leadEvent.create({ data: { leadId: lead.id, type: 'page_viewed', dedupKey: 'k1', payload: { url: '/pricing', points: 12 }, occurredAt: new Date() } });
  await db.client.create({ data: { leadId: lead.id, email: lead.email, wonAt: new Date(), dealValue: 100, grossMargin: 40 } });
  const back = await db.lead.findUniqueOrThrow({ where: { id: lead.id }, include: { events: true, client: true } });
  expect(back.utm).toEqual({ utm_source: 'google', utm_campaign: 'q1' });
  expect(back.events[0].payload).toEqual({ url: '/pricing', points: 12 });
  expect(back.client?.grossMargin).toBe(40);
});

check('unique constraints hold (Lead.email, LeadEvent.dedupKey, EmailLog.idempotencyKey)', async ({ db }) => {
  const lead = await db.lead.create({ data: { email: 'u@x.test', source: 'import', workflowId: 'lead-u' } });
  const dup = (p: Promise<unknown>) => p.then(() => false, (e: unknown) => isUniqueViolation(e));
  expect(await dup(db.lead.create({ data: { email: 'u@x.test', source: 'import', workflowId: 'lead-u2' } }))).toBe(true);
  await db.leadEvent.create({ data: { leadId: lead.id, type: 'x', dedupKey: 'd1', occurredAt: new Date() } });
  expect(await dup(db.leadEvent.create({ data: { leadId: lead.id, type: 'x', dedupKey: 'd1', occurredAt: new Date() } }))).toBe(true);
  const mail = { idempotencyKey: 'lead:seq:v1:e1:0', template: 't', locale: 'en', toAddress: 'u@x.test', status: 'claimed' };
  await db.emailLog.create({ data: mail });
  expect(await dup(db.emailLog.create({ data: mail }))).toBe(true);
  expect(await db.emailLog.count()).toBe(1);
});

check(`conditional update (the capacity guard routing relies on) affects 0 rows when full`, async ({ db }) => {
  const m = await db.manager.create({ data: { name: 'M', email: 'm@x.test', capacity: 1, languages: [], regions: [], workingHours: {}, outOfOffice: [] } });
  const take = () => db.manager.updateMany({ where: { id: m.id, openLeads: { lt: 1 } }, data: { openLeads: { increment: 1 } } });
  expect((await take()).count).toBe(1);
  expect((await take()).count).toBe(0);
});

check(`the lead store writes history and snapshots, once per key, and nothing for an erased lead`, async ({ db }) => {
  const store = createLeadStoreActivities({ db });
  const lead = await db.lead.create({ data: { email: 'e@x.test', source: 'web_form', workflowId: 'lead-e' } });
  const ev = { dedupKey: 'lead-e:1', type: 'stage_changed', occurredAt: new Date().toISOString(), stageFrom: 'new' as const, stageTo: 'nurturing' as const, reason: 'first touch' };
  await store.recordLeadEvents(lead.id, [ev]);
  await store.recordLeadEvents(lead.id, [ev]);
  await store.syncLeadSnapshot(lead.id, { stage: 'nurturing', temperature: 'warm', score: 33, ownerId: null });
  expect(await db.leadEvent.count({ where: { leadId: lead.id } })).toBe(1);
  expect((await db.lead.findUniqueOrThrow({ where: { id: lead.id } })).score).toBe(33);
  // An activity still running when GDPR erasure terminated the workflow must not write back.
  await db.lead.update({ where: { id: lead.id }, data: { erasedAt: new Date(), score: 0, stage: 'erased' } });
  // In an activity context, as the worker runs it (it logs the dropped batch).
  await new MockActivityEnvironment().run(store.recordLeadEvents, lead.id, [{ ...ev, dedupKey: 'lead-e:2' }]);
  await store.syncLeadSnapshot(lead.id, { stage: 'mql', temperature: 'hot', score: 70, ownerId: null });
  expect(await db.leadEvent.count({ where: { leadId: lead.id } })).toBe(1);
  expect(await db.lead.findUniqueOrThrow({ where: { id: lead.id } })).toMatchObject({ stage: 'erased', score: 0 });
});

check('persistLead writes history and snapshot together, once per key; all or nothing', async ({ db }) => {
  const store = createLeadStoreActivities({ db });
  const lead = await db.lead.create({ data: { email: `p@x.test`, source: 'web_form', workflowId: `lead-p` } });
  const at = new Date('2027-03-10T11:00:00.123Z');
  const ev = (k: string) => ({ dedupKey: `lead-p:${k}`, type: 'sequence_send', occurredAt: at.toISOString(), reason: `step ${k}`, payload: { step: k, nested: { n: 1, s: 'ü' } } });
  await store.persistLead(lead.id, [ev('1'), { ...ev('2'), stageFrom: 'new', stageTo: 'nurturing' }], { stage: 'mql', temperature: 'warm', score: 41.5, ownerId: null });
  // A retry of the same batch (the local activity retried) adds nothing; a snapshot alone is fine.
  await store.persistLead(lead.id, [ev('1'), ev('2')], null);
  await store.persistLead(lead.id, [], { stage: 'mql', temperature: 'hot', score: 66, ownerId: null });
  const rows = await db.leadEvent.findMany({ where: { leadId: lead.id }, orderBy: { dedupKey: 'asc' } });
  // What the ORM reads back (API, KPIs) is what was written.
  expect(rows.map((r) => [r.type, r.reason, r.payload, r.occurredAt.toISOString(), r.stageFrom, r.stageTo])).toEqual([
    ['sequence_send', 'step 1', { step: '1', nested: { n: 1, s: 'ü' } }, at.toISOString(), null, null],
    ['sequence_send', 'step 2', { step: '2', nested: { n: 1, s: 'ü' } }, at.toISOString(), 'new', 'nurturing'],
  ]);
  expect(rows[0].recordedAt).toBeInstanceOf(Date);
  expect(await db.lead.findUniqueOrThrow({ where: { id: lead.id } })).toMatchObject({ stage: 'mql', temperature: 'hot', score: 66 });
  // A batch that fails part-way (its second row breaks a NOT NULL) leaves neither rows nor snapshot.
  const err = await store.persistLead(lead.id, [ev('3'), { ...ev('4'), type: null as unknown as string }], { stage: 'sql', temperature: 'hot', score: 90, ownerId: null }).then(() => null, (e: unknown) => e);
  expect(err).toBeTruthy();
  expect(await db.leadEvent.count({ where: { leadId: lead.id } })).toBe(2);
  expect((await db.lead.findUniqueOrThrow({ where: { id: lead.id } })).stage).toBe('mql');
  // Erased: nothing is written back.
  await db.lead.update({ where: { id: lead.id }, data: { erasedAt: new Date(), score: 0, stage: 'erased' } });
  await new MockActivityEnvironment().run(store.persistLead, lead.id, [ev('5')], { stage: 'sql' as const, temperature: 'hot' as const, score: 90, ownerId: null });
  expect(await db.leadEvent.count({ where: { leadId: lead.id } })).toBe(2);
  expect(await db.lead.findUniqueOrThrow({ where: { id: lead.id } })).toMatchObject({ stage: 'erased', score: 0 });
});

check('persistLead racing an erasure: once the erasure commits, nothing of the batch is written (no events, no snapshot)', async ({ db, url }) => {
  const store = createLeadStoreActivities({ db });
  const lead = await db.lead.create({ data: { email: 'race@x.test', source: 'web_form', workflowId: 'lead-race', stage: 'nurturing' } });
  // The erasure's transaction holds the row (as domain/gdpr.ts does) while the workflow's batch arrives.
  const eraser = new pg.Client({ connectionString: url });
  await eraser.connect();
  try {
    await eraser.query('BEGIN');
    await eraser.query(`UPDATE "Lead" SET "stage" = 'erased', "erasedAt" = now(), "score" = 0 WHERE "id" = $1`, [lead.id]);
    const ev = { dedupKey: 'lead-race:1', type: 'page_viewed', occurredAt: new Date().toISOString(), payload: { url: '/pricing' } };
    const batch = new MockActivityEnvironment().run(store.persistLead, lead.id, [ev], { stage: 'mql' as const, temperature: 'warm' as const, score: 41, ownerId: null });
    // The batch's statement is waiting on the row: it has read the lead as not erased yet.
    await eventually(async () => (await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`)[0].n > 0n, 'the batch to wait on the row lock');
    await eraser.query('COMMIT');
    await batch;
  } finally {
    await eraser.end();
  }
  expect(await db.lead.findUniqueOrThrow({ where: { id: lead.id } })).toMatchObject({ stage: 'erased', score: 0 });
  expect(await db.leadEvent.count({ where: { leadId: lead.id } })).toBe(0);
});

check('a mail claim racing an erasure: once the erasure commits, no ledger row with the address is written', async ({ db, url }) => {
  const lead = await db.lead.create({ data: { email: 'claim-race@x.test', source: 'web_form', workflowId: 'lead-claim-race', stage: 'nurturing' } });
  const ledger = createLedger(db);
  const eraser = new pg.Client({ connectionString: url });
  await eraser.connect();
  try {
    await eraser.query('BEGIN');
    await eraser.query(`UPDATE "Lead" SET "stage" = 'erased', "erasedAt" = now(), "email" = 'erased@erased.invalid' WHERE "id" = $1`, [lead.id]);
    const at = new Date();
    const claim = ledger.claim({ key: 'lead-claim-race:welcome', leadId: lead.id, template: 'welcome', locale: 'en', kind: 'transactional', to: 'claim-race@x.test', subject: 'Hi', messageId: '<m@x>', at }, null, { attemptId: 'a1', until: new Date(at.getTime() + 60_000), now: at }).then((ok) => (ok ? 'claimed' : 'refused'));
    let settled = false;
    void claim.finally(() => (settled = true));
    // The claim waits on the row (or, without the lock, has already written its row).
    await eventually(async () => settled || (await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`)[0].n > 0n, 'the claim to wait on the row lock');
    await eraser.query('COMMIT');
    expect(await claim).toBe('refused');
  } finally {
    await eraser.end();
  }
  expect(await db.emailLog.count({ where: { toAddress: 'claim-race@x.test' } })).toBe(0);
});
