// The SMTP server goes away mid-campaign and comes back: sends fail as connection errors, Temporal
// retries them with backoff, and every mail arrives exactly once after it returns.
import { startStack, type BenchStack } from '../../bench/stack';
import { CHAOS_MAILS_PER_LEAD } from '../../bench/sequences';
import { chaosLeads, exactCounts, expectExact, intakeLeads, waitForMails } from './chaos-campaign';

let stack: BenchStack;
beforeAll(async () => {
  stack = await startStack('chaos-smtp');
}, 300_000);
afterAll(() => stack?.stop());

test('SMTP sink down for 15 s, then up: every mail delivered once', async () => {
  const n = chaosLeads(100);
  await stack.startWorker();
  const leads = await intakeLeads(stack, n);
  await waitForMails(stack, Math.ceil(n * CHAOS_MAILS_PER_LEAD * 0.2));
  await stack.sink.stop();
  const atStop = stack.sink.count();
  const failedBefore = await stack.db.db.emailLog.count({ where: { status: { not: 'sent' } } });
  await new Promise((r) => setTimeout(r, 15_000));
  // While it was down, sends were attempted and are waiting for their retry (claimed, not sent).
  const pending = await stack.db.db.emailLog.count({ where: { status: { not: 'sent' } } });
  console.log(`sink stopped after ${atStop} mails; 15 s later ${pending} ledger rows wait for a retry (${failedBefore} at the stop); sink started again on port ${stack.sink.port}`);
  await stack.sink.start();
  const counts = await exactCounts(stack, leads);
  expect(pending).toBeGreaterThan(0);
  expectExact(counts);
});
