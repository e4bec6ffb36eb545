// The ledger's SQL (activities/email/ledger.ts): concurrent writes each keep their own outcome, a
// failing one fails alone, and a retry's reclaim is fenced on the attempt count it read.
import { createLedger, type ClaimRow, type Lease, type Ledger } from '../activities/email/ledger';
import { createTestDb, type TestDb } from './helpers/db';

let t: TestDb;
let ledger: Ledger;
const at = new Date('2027-03-10T11:00:00.000Z');
// A lease taken by a fresh attempt at `now` (leases run on the worker's clock, not the mail's time;
// the ledger takes that clock from its caller, so a test can move it instead of sleeping).
const lease = (ms = 60_000, now = Date.now(), attemptId = `a-${Math.random()}`): Lease => ({ attemptId, until: new Date(now + ms), now: new Date(now) });
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
    ledger.claim(row('k-a', 'l0'), null, lease()),
    ledger.claim(row('k-a', 'l0'), null, lease()), // same key at the same time: exactly one claims it
    ledger.claim(row('k-orphan', 'no-such-lead'), null, lease()), // no such lead: nothing claimed
    ledger.claim(row('k-b', 'l1'), null, lease()),
  ]);
  expect([a, dup].map((r) => (r.status === 'fulfilled' ? r.value : r.reason)).sort()).toEqual([false, true]);
  expect(orphan).toEqual({ status: 'fulfilled', value: false });
  expect(b).toEqual({ status: 'fulfilled', value: true });
  await Promise.all([ledger.markSent('k-a', at), ledger.markSent('k-b', at)]);
  const rows = await t.db.emailLog.findMany({ orderBy: { idempotencyKey: 'asc' }, select: { idempotencyKey: true, status: true, attempts: true, sentAt: true } });
  expect(rows).toEqual([
    { idempotencyKey: 'k-a', status: 'sent', attempts: 1, sentAt: at },
    { idempotencyKey: 'k-b', status: 'sent', attempts: 1, sentAt: at },
  ]);
  // A sent row is never reclaimed.
  expect(await Promise.all([ledger.claim(row('k-b', 'l1'), 1, lease()), ledger.claim(row('k-b', 'l1'), 1, lease())])).toEqual([false, false]);
});

test('a retry reclaims a claimed row once: two retries that read the same attempt count, one wins', async () => {
  const first = lease();
  expect(await ledger.claim(row('k-c', 'l2'), null, first)).toBe(true);
  await ledger.markFailed('k-c', first.attemptId, '421 try again');
  const wins = await Promise.all([ledger.claim(row('k-c', 'l2'), 1, lease()), ledger.claim(row('k-c', 'l2'), 1, lease())]);
  expect(wins.filter(Boolean)).toHaveLength(1);
  expect(await t.db.emailLog.findUniqueOrThrow({ where: { idempotencyKey: 'k-c' }, select: { attempts: true, status: true } })).toEqual({ attempts: 2, status: 'claimed' });
});

test('a claim under lease is not taken over until the lease runs out; renewing extends it, only for its holder', async () => {
  const t0 = Date.now();
  const stalled = lease(800, t0);
  expect(await ledger.claim(row('k-l', 'l2'), null, stalled)).toBe(true);
  // The attempt timed out at Temporal but is still in SMTP: its retry must wait, not send too.
  expect(await ledger.claim(row('k-l', 'l2'), 1, lease(60_000, t0 + 1))).toBe(false);
  expect(await ledger.renew('k-l', stalled.attemptId, new Date(t0 + 1500))).toBe(true);
  expect(await ledger.renew('k-l', 'someone-else', new Date(t0 + 60_000))).toBe(false);
  expect(await ledger.claim(row('k-l', 'l2'), 1, lease(60_000, t0 + 900))).toBe(false); // renewed past the first expiry
  expect(await ledger.claim(row('k-l', 'l2'), 1, lease(60_000, t0 + 1499))).toBe(false);
  // The holder died without a word: after its lease the retry takes over, exactly once.
  const [a, b] = [lease(60_000, t0 + 1700), lease(60_000, t0 + 1700)];
  expect((await Promise.all([ledger.claim(row('k-l', 'l2'), 1, a), ledger.claim(row('k-l', 'l2'), 1, b)])).filter(Boolean)).toHaveLength(1);
  const r = await t.db.emailLog.findUniqueOrThrow({ where: { idempotencyKey: 'k-l' }, select: { attempts: true, attemptId: true } });
  expect(r.attempts).toBe(2);
  expect([a.attemptId, b.attemptId]).toContain(r.attemptId);
  // The old holder can no longer renew, nor let go of the new holder's lease.
  expect(await ledger.renew('k-l', stalled.attemptId, new Date(Date.now() + 60_000))).toBe(false);
  await ledger.markFailed('k-l', stalled.attemptId, 'late');
  expect((await t.db.emailLog.findUniqueOrThrow({ where: { idempotencyKey: 'k-l' }, select: { leaseUntil: true, error: true } })).error).toBeNull();
  // Its holder failing (4xx) lets go at once: the retry need not wait for the expiry.
  await ledger.markFailed('k-l', r.attemptId!, '421 later');
  expect(await ledger.claim(row('k-l', 'l2'), 2, lease())).toBe(true);
});

test('no claim for a lead erased meanwhile: the address does not come back into the ledger', async () => {
  await t.db.lead.create({ data: { id: 'gone', email: 'gone@x.test', source: 'test', workflowId: 'lead-gone' } });
  const first = lease();
  expect(await ledger.claim(row('k-g', 'gone'), null, first)).toBe(true);
  await ledger.markFailed('k-g', first.attemptId, '421');
  await t.db.lead.update({ where: { id: 'gone' }, data: { erasedAt: new Date(), email: 'erased-gone@erased.invalid' } });
  await t.db.emailLog.update({ where: { idempotencyKey: 'k-g' }, data: { toAddress: '' } });
  expect(await ledger.claim(row('k-g', 'gone'), 1, lease())).toBe(false);
  expect(await ledger.claim(row('k-g2', 'gone'), null, lease())).toBe(false);
  expect(await t.db.emailLog.findMany({ where: { leadId: 'gone' }, select: { toAddress: true } })).toEqual([{ toAddress: '' }]);
});

test('the send context reads times as written (UTC) and the cap window by sentAt', async () => {
  await ledger.claim(row('k-d', 'l3'), null, lease());
  await ledger.markSent('k-d', at);
  const ctx = await ledger.readSendContext('l3', 'k-e', new Date(at.getTime() - 1000));
  expect(ctx).toMatchObject({ id: 'l3', prior: null, recentMarketing: [at] });
  expect((await ledger.readSendContext('l3', 'k-d', new Date(at.getTime() - 1000)))?.prior).toEqual({ status: 'sent', messageId: '<k-d@x.test>', error: null, attempts: 1 });
  expect((await ledger.readSendContext('l3', 'k-e', at))?.recentMarketing).toEqual([]);
  expect(await ledger.readSendContext('nobody', 'k-e', at)).toBeNull();
});
