// The bench workflow bundle's entry: the real lead workflow (bench sequences are published content)
// and the trivial baseline workflow the campaign bench compares with.
import * as wf from '@temporalio/workflow';
import type { BenchNoopActivities } from './noop-activity';

export { leadLifecycle } from '../workflows';

const { benchNoop } = wf.proxyActivities<BenchNoopActivities>({ startToCloseTimeout: '30 seconds' });

/** One no-op activity per step, the same waits as the drip: what the server does at best per "mail". */
export async function noopDrip(steps: number, waitMs: number): Promise<void> {
  for (let i = 0; i < steps; i++) {
    if (i > 0) await wf.sleep(waitMs);
    await benchNoop(i);
  }
}

/**
 * The burst's baseline: asleep until `at` (epoch ms), then one no-op activity. N of them due at the same
 * moment are the server's own ceiling for a wake-up burst, without mail or policy.
 */
export async function noopAt(at: number): Promise<void> {
  await wf.sleep(Math.max(at - Date.now(), 1));
  await benchNoop(0);
}
