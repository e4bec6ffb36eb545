// The database is unavailable for a while: PostgreSQL refuses new connections and cuts the open
// ones, so every database activity fails. Activities retry; once the database is back, every lead
// finishes with each history row and each mail written exactly once.
import { startStack, type BenchStack } from '../../bench/stack';
import { retryNowSignal } from '../../workflows/lead/messages';
import { chaosLeads, exactCounts, expectExact, intakeLeads } from './chaos-campaign';

let stack: BenchStack;
beforeAll(async () => {
  stack = await startStack('chaos-db');
}, 300_000);
afterAll(() => stack?.stop());

test('database down for 40 s: activities retry, nothing half-written', async () => {
  const n = chaosLeads(50);
  // A worker publishes the content at its start, which needs the database: one starts and stops
  // before the fault; the worker started during it skips publishing.
  await (await stack.startWorker()).stop();
  // Leads arrive while no worker runs, so their first activities meet the database down.
  const leads = await intakeLeads(stack, n);
  await stack.db.setAvailable(false);
  const lockedAt = Date.now();
  await stack.startWorker({ LEADFLOW_SKIP_PUBLISH: '1' });
  await new Promise((r) => setTimeout(r, 40_000));
  const duringLock = stack.sink.count();
  await stack.db.setAvailable(true);
  console.log(`database down for ${Math.round((Date.now() - lockedAt) / 1000)} s: ${duringLock} mails went out meanwhile`);
  // Leads whose database calls failed past their retries wait in attention (LeadAttention = "db") on a
  // 5-minute timer; ops, seeing the database back, signal retryNow to them, as the UI's batch signal would.
  let woken = 0;
  for await (const w of stack.client.workflow.list({ query: `LeadAttention = "db"` })) {
    await stack.client.workflow.getHandle(w.workflowId).signal(retryNowSignal, { reason: 'database back (chaos test)' });
    woken++;
  }
  console.log(`${woken} leads in attention got retryNow`);
  const counts = await exactCounts(stack, leads);
  // The attempt that finally succeeded is in each history (ActivityTaskStarted.attempt).
  const retried: Record<string, number> = {};
  for (const id of leads) {
    const h = await stack.client.workflow.getHandle(`lead-${id}`).fetchHistory();
    const types = new Map<number, string>();
    for (const e of h.events ?? []) {
      const sched = e.activityTaskScheduledEventAttributes;
      if (sched) types.set(Number(e.eventId), sched.activityType?.name ?? '?');
      const started = e.activityTaskStartedEventAttributes;
      if (started && (started.attempt ?? 1) > 1) {
        const t = types.get(Number(started.scheduledEventId)) ?? '?';
        retried[t] = Math.max(retried[t] ?? 0, started.attempt ?? 0);
      }
    }
  }
  console.log(`activities that succeeded only on a retry (highest attempt per type): ${JSON.stringify(retried)}`);
  const perLead = await stack.db.db.leadEvent.groupBy({ by: ['leadId'], _count: { _all: true } });
  const sizes = new Set(perLead.map((p) => p._count._all));
  console.log(`LeadEvent rows per lead: ${[...sizes].join(', ')} (every lead ran the same path)`);
  // The fault outlasted the activities' own retries: the leads waited in attention, not failed.
  expect(woken).toBeGreaterThan(0);
  expect(duringLock).toBe(0);
  expect(perLead).toHaveLength(n);
  expectExact(counts);
});
