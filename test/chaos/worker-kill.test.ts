// kill -9 the worker process in the middle of a campaign, start a new one: every lead finishes and
// the sink gets exactly the expected mails (the ledger claims each send before SMTP, so an activity
// re-run after the crash does not send again; see expectNoneLost for the one window no ledger closes).
import { startStack, type BenchStack } from '../../bench/stack';
import { CHAOS_MAILS_PER_LEAD } from '../../bench/sequences';
import { chaosLeads, exactCounts, expectNoneLost, intakeLeads, waitForMails } from './chaos-campaign';

let stack: BenchStack;
beforeAll(async () => {
  stack = await startStack('chaos-kill');
}, 300_000);
afterAll(() => stack?.stop());

test('worker killed with SIGKILL mid-campaign, restarted: every lead finishes, mails exactly once', async () => {
  const n = chaosLeads(1000);
  const expected = n * CHAOS_MAILS_PER_LEAD;
  const first = await stack.startWorker();
  const leads = await intakeLeads(stack, n);
  await waitForMails(stack, Math.ceil(expected * 0.3));
  const atKill = stack.sink.count();
  await first.kill9();
  console.log(`worker pid ${first.pid} killed with SIGKILL after ${atKill}/${expected} mails (${n} leads)`);
  await new Promise((r) => setTimeout(r, 3000));
  const second = await stack.startWorker();
  console.log(`new worker pid ${second.pid} started; sink had ${stack.sink.count()} mails`);
  const counts = await exactCounts(stack, leads);
  expect(atKill).toBeLessThan(expected);
  expectNoneLost(counts, 5);
});
