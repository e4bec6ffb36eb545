// The harness's time-skipping servers: a test that ends while its lead has an activity running
// (here: terminated mid-activity, as a failed test's clean-up would) must not stop the clock of
// the next test. The test server keeps a time-skipping lock per pending activity of a workflow that
// ended (dev/time-skipping.ts), so a server shared by both tests fails the second one.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { fakeWorld } from './support/fake-activities';
import { baseProfile, eventually, signalLead, startWorkers, useTimeSkippingEnv } from './support/lead-harness';
import { noKeepalivePings } from '../dev/time-skipping';

const DAY = 86_400_000;
let env: TestWorkflowEnvironment;
useTimeSkippingEnv((e) => (env = e));

/** env.sleep, or 'stuck' when the server's clock does not skip within `realMs` of real time. */
const sleepWithin = (ms: number, realMs: number): Promise<'skipped' | 'stuck'> =>
  Promise.race([env.sleep(ms).then(() => 'skipped' as const), new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), realMs))]);

let release: () => void = () => undefined;

test('a test whose lead is terminated while an activity runs ...', async () => {
  const w = fakeWorld();
  const gate = new Promise<void>((r) => (release = r));
  // The lead's first mail (a remote activity: local ones hold no lock) blocks until released: the
  // lead ends with it running.
  const { sendEmail } = w.activities;
  let entered = false;
  const tq = `ts-leak-${process.pid}`;
  const workers = await startWorkers(env, tq, { ...w.activities, sendEmail: async (req) => ((entered = true), await gate, sendEmail(req)) });
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'TS-1', baseProfile(), { id: 'e1', type: 'page_viewed', data: { url: '/blog/x' } });
    await eventually(() => entered, 'the mail activity to start', { withinMs: 10_000, everyMs: 50 });
    await h.terminate('test cleanup');
    release();
  });
  expect(entered).toBe(true);
});

test('... leaves the next test a clock that skips a day at once', async () => {
  expect(await sleepWithin(DAY, 15_000)).toBe('skipped');
});

test('the client does not ping the test server (it answers frequent pings with GOAWAY)', () => {
  const configured = noKeepalivePings.configureConnection!({ channelArgs: { 'grpc.keepalive_time_ms': 30_000 } });
  expect(configured.channelArgs).toEqual({ 'grpc.keepalive_time_ms': -1, 'grpc.keepalive_permit_without_calls': 0 });
});
