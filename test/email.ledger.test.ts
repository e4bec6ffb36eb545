// The ledger's SQLite fast path (activities/email/ledger.ts on activities/sql-runner.ts): writes issued in one turn of the event
// loop commit together and each still gets its own outcome; WAL checkpoints run in a thread of their
// own, so committed rows reach the database file without the sender's event loop doing it.
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { createLedger, type ClaimRow, type Ledger } from '../activities/email/ledger';
import { sqlRunner, type SqlRunner } from '../activities/sql-runner';
import { createTestDb, type TestDb } from './helpers/db';

let t: TestDb;
let ledger: Ledger;
let sql: SqlRunner;
const at = new Date('2027-03-10T11:00:00.000Z');
const row = (key: string, leadId: string): ClaimRow => ({ key, leadId, template: 'cold-ebook', locale: 'pl', kind: 'marketing', to: `${leadId}@x.test`, subject: 'Hi', messageId: `<${key}@x.test>`, at });

beforeAll(async () => {
  t = await createTestDb();
  await t.db.lead.createMany({ data: Array.from({ length: 40 }, (_, i) => ({ id: `l${i}`, email: `l${i}@x.test`, locale: 'pl', timezone: 'Europe/Warsaw', source: 'test', workflowId: `lead-l${i}`, consentStatus: 'confirmed' })) });
  sql = sqlRunner(t.db, t.url);
  ledger = createLedger(t.db, sql);
});
afterAll(async () => {
  sql.close();
  await t.cleanup();
});

test('writes of one turn commit together; each keeps its own outcome and a failing one fails alone', async () => {
  const [a, dup, orphan, b] = await Promise.allSettled([
    ledger.claim(row('k-a', 'l0'), null),
    ledger.claim(row('k-a', 'l0'), null), // same key in the same batch: the fence lets one through
    ledger.claim(row('k-orphan', 'no-such-lead'), null), // foreign key violation
    ledger.claim(row('k-b', 'l1'), null),
  ]);
  expect(a).toEqual({ status: 'fulfilled', value: true });
  expect(dup).toEqual({ status: 'fulfilled', value: false });
  expect(orphan).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/FOREIGN KEY/) } });
  expect(b).toEqual({ status: 'fulfilled', value: true });
  await Promise.all([ledger.markSent('k-a', at), ledger.markSent('k-b', at)]);
  const rows = await t.db.emailLog.findMany({ orderBy: { idempotencyKey: 'asc' }, select: { idempotencyKey: true, status: true, attempts: true } });
  expect(rows).toEqual([
    { idempotencyKey: 'k-a', status: 'sent', attempts: 1 },
    { idempotencyKey: 'k-b', status: 'sent', attempts: 1 },
  ]);
  // A retry's reclaim is fenced on the attempt count it read.
  expect(await Promise.all([ledger.claim(row('k-b', 'l1'), 1), ledger.claim(row('k-b', 'l1'), 1)])).toEqual([false, false]); // sent: never reclaimed
});

test('committed rows reach the database file itself (checkpointed by the background thread)', async () => {
  for (let i = 2; i < 40; i++) {
    await ledger.claim(row(`k${i}`, `l${i}`), null);
    await ledger.markSent(`k${i}`, at);
  }
  // A copy of the main file without its WAL: rows show up there only after a checkpoint, and the
  // sender's connection no longer checkpoints by itself.
  const file = t.url.slice('file:'.length);
  const copy = path.join(mkdtempSync(path.join(tmpdir(), 'leadflow-ledger-')), 'copy.db');
  const countInFile = (): number => {
    copyFileSync(file, copy);
    const ro = new Database(copy);
    try {
      return (ro.prepare(`SELECT count(*) AS n FROM "EmailLog" WHERE "status" = 'sent'`).get() as { n: number }).n;
    } catch {
      return -1; // copied in the middle of a checkpoint: look again
    } finally {
      ro.close();
      rmSync(`${copy}-wal`, { force: true });
      rmSync(`${copy}-shm`, { force: true });
    }
  };
  const deadline = Date.now() + 15_000;
  while (countInFile() < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(countInFile()).toBe(40);
  rmSync(path.dirname(copy), { recursive: true, force: true });
});
