// The ledger's SQL (activities/email/ledger.ts): concurrent writes each keep their own outcome, a
// failing one fails alone, and a retry's reclaim is fenced on the attempt count it read.
import { createLedger, type ClaimRow, type Ledger } from '../activities/email/ledger';
import { createTestDb, type TestDb } from './helpers/db';

let t: TestDb;
let ledger: Ledger;
const at = new Date('2027-03-10T11:00:00.000Z');
const row = (key: string, leadId: string): ClaimRow => ({ key, leadId, template: 'cold-ebook', locale: 'pl', kind: 'marketing', to: `${leadId}@x.test`, subject: 'Hi', messageId: `<${key}@x.test>`, at });

beforeAll(async () => {
  t = await createTestDb();
  await t.db.lead.createMany({ data: Array.from({ length: 4 }, (_, i) => ({ id: `l${i}`, email: `l${i}@x.test`, locale: 'pl', timezone: 'Europe/Warsaw', source: 'test', workflowId: `lead-l${i}`, consentStatus: 'confirmed' })) });
  ledger = createLedger(t.db);
});
afterAll(async () => {
  await t.cleanup();
});

test('concurrent writes each keep their own outcome and a failing one fails alone', async () => {
  const [a, dup, orphan, b] = await Promise.allSettled([
    ledger.claim(row('k-a', 'l0'), null),
    ledger.claim(row('k-a', 'l0'), null), // same key at the same time: exactly one claims it
    ledger.claim(row('k-orphan', 'no-such-lead'), null), // foreign key violation
    ledger.claim(row('k-b', 'l1'), null),
  ]);
  expect([a, dup].map((r) => (r.status === 'fulfilled' ? r.value : r.reason)).sort()).toEqual([false, true]);
  expect(orphan).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/foreign key/) } });
  expect(b).toEqual({ status: 'fulfilled', value: true });
  await Promise.all([ledger.markSent('k-a', at), ledger.markSent('k-b', at)]);
  const rows = await t.db.emailLog.findMany({ orderBy: { idempotencyKey: 'asc' }, select: { idempotencyKey: true, status: true, attempts: true, sentAt: true } });
  expect(rows).toEqual([
    { idempotencyKey: 'k-a', status: 'sent', attempts: 1, sentAt: at },
    { idempotencyKey: 'k-b', status: 'sent', attempts: 1, sentAt: at },
  ]);
  // A sent row is never reclaimed.
  expect(await Promise.all([ledger.claim(row('k-b', 'l1'), 1), ledger.claim(row('k-b', 'l1'), 1)])).toEqual([false, false]);
});

test('a retry reclaims a claimed row once: two retries that read the same attempt count, one wins', async () => {
  expect(await ledger.claim(row('k-c', 'l2'), null)).toBe(true);
  await ledger.markFailed('k-c', '421 try again');
  const wins = await Promise.all([ledger.claim(row('k-c', 'l2'), 1), ledger.claim(row('k-c', 'l2'), 1)]);
  expect(wins.filter(Boolean)).toHaveLength(1);
  expect(await t.db.emailLog.findUniqueOrThrow({ where: { idempotencyKey: 'k-c' }, select: { attempts: true, status: true } })).toEqual({ attempts: 2, status: 'claimed' });
});

test('the send context reads times as written (UTC) and the cap window by sentAt', async () => {
  await ledger.claim(row('k-d', 'l3'), null);
  await ledger.markSent('k-d', at);
  const ctx = await ledger.readSendContext('l3', 'k-e', new Date(at.getTime() - 1000));
  expect(ctx).toMatchObject({ id: 'l3', prior: null, recentMarketing: [at] });
  expect((await ledger.readSendContext('l3', 'k-d', new Date(at.getTime() - 1000)))?.prior).toEqual({ status: 'sent', messageId: '<k-d@x.test>', error: null, attempts: 1 });
  expect((await ledger.readSendContext('l3', 'k-e', at))?.recentMarketing).toEqual([]);
  expect(await ledger.readSendContext('nobody', 'k-e', at)).toBeNull();
});
