// The Temporal dev server stops mid-campaign and starts again from its state file: the worker
// reconnects, timers and pending sends resume, every lead finishes, every mail exactly once.
import { startStack, type BenchStack } from '../../bench/stack';
import { CHAOS_MAILS_PER_LEAD } from '../../bench/sequences';
import { chaosLeads, exactCounts, expectExact, intakeLeads, waitForMails } from './chaos-campaign';

let stack: BenchStack;
beforeAll(async () => {
  stack = await startStack('chaos-temporal');
}, 300_000);
afterAll(() => stack?.stop());

test('dev server restarted with its persisted state: workflows resume', async () => {
  const n = chaosLeads(100);
  await stack.startWorker();
  const leads = await intakeLeads(stack, n);
  await waitForMails(stack, Math.ceil(n * CHAOS_MAILS_PER_LEAD * 0.3));
  const before = stack.sink.count();
  const oldPid = stack.dev.process?.pid;
  await stack.restartTemporal();
  console.log(`Temporal dev server pid ${oldPid} stopped after ${before} mails, restarted as pid ${stack.dev.process?.pid} on ${stack.dev.address} with ${stack.dir}/temporal.db`);
  const counts = await exactCounts(stack, leads);
  const running = (await stack.client.workflow.count(`WorkflowType = "leadLifecycle" AND ExecutionStatus = "Running"`)).count;
  console.log(`lead workflows running (parked after the drip) after the restart: ${running}`);
  expect(before).toBeLessThan(n * CHAOS_MAILS_PER_LEAD);
  expect(running).toBe(n);
  expectExact(counts);
});
