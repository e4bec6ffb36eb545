// The database is unavailable for a while: another process holds SQLite's write lock (BEGIN
// EXCLUSIVE), so every write waits out its busy timeout and fails. Activities retry; once the lock
// goes, every lead finishes with each history row and each mail written exactly once.
import Database from 'better-sqlite3';
import { startStack, type BenchStack } from '../../bench/stack';
import { chaosLeads, exactCounts, expectExact, intakeLeads } from './chaos-campaign';

let stack: BenchStack;
beforeAll(async () => {
  stack = await startStack('chaos-db');
}, 300_000);
afterAll(() => stack?.stop());

test('SQLite locked for 40 s: activities retry, nothing half-written', async () => {
  const n = chaosLeads(50);
  // Leads arrive while no worker runs, so their first activities meet the locked database.
  const leads = await intakeLeads(stack, n);
  const lock = new Database(stack.db.url.slice('file:'.length));
  lock.exec('BEGIN EXCLUSIVE');
  const lockedAt = Date.now();
  await stack.startWorker();
  let maxAttempt = 0;
  let lastFailure = '';
  while (Date.now() - lockedAt < 40_000) {
    for (const id of leads.slice(0, 10)) {
      const d = await stack.client.workflow.getHandle(`lead-${id}`).describe();
      for (const a of d.raw.pendingActivities ?? []) {
        if ((a.attempt ?? 0) > maxAttempt) {
          maxAttempt = a.attempt ?? 0;
          lastFailure = `${a.activityType?.name}: ${a.lastFailure?.message ?? ''}`.slice(0, 160);
        }
      }
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  const duringLock = stack.sink.count();
  lock.exec('COMMIT');
  lock.close();
  console.log(`database locked for ${Math.round((Date.now() - lockedAt) / 1000)} s: ${duringLock} mails went out meanwhile; activities reached attempt ${maxAttempt} (last failure ${lastFailure})`);
  const counts = await exactCounts(stack, leads);
  const perLead = await stack.db.db.leadEvent.groupBy({ by: ['leadId'], _count: { _all: true } });
  const sizes = new Set(perLead.map((p) => p._count._all));
  console.log(`LeadEvent rows per lead: ${[...sizes].join(', ')} (every lead ran the same path)`);
  expect(maxAttempt).toBeGreaterThan(1);
  expect(duringLock).toBe(0);
  expect(perLead).toHaveLength(n);
  expectExact(counts);
});
