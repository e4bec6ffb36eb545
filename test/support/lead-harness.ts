// Runs lead workflows on the time-skipping test server with two workers, like production: the
// main task queue and the `<queue>-email` queue the workflow sends mail through.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { LeadActivities } from '../../workflows/activity-contract';
import { featuresOf } from '../../workflows/features';
import type { LeadWorkflowInput } from '../../workflows/lead/lifecycle';
import { leadEventSignal, stateQuery, type LeadView } from '../../workflows/lead/messages';
import { eventually, eventuallyValue, type Bound } from '../helpers/eventually';
import { createTimeSkippingEnv } from '../helpers/temporal';
import { workflowBundle } from '../helpers/workflow-bundle';
import type { LeadEventSignal, LeadProfile } from '../../workflows/types';

export { workflowBundle };

export async function startWorkers(env: TestWorkflowEnvironment, taskQueue: string, activities: LeadActivities): Promise<{ run<T>(fn: () => Promise<T>): Promise<T> }> {
  const workflowBundleCode = await workflowBundle();
  const main = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundleCode, activities });
  const email = await Worker.create({ connection: env.nativeConnection, taskQueue: `${taskQueue}-email`, activities: { sendEmail: activities.sendEmail } });
  return {
    run: (fn) => main.runUntil(email.runUntil(fn)),
  };
}

export const baseProfile = (over: Partial<LeadProfile> = {}): LeadProfile => ({
  email: 'ola@acme.test',
  firstName: 'Ola',
  lastName: 'Nowak',
  company: 'Acme',
  companySize: 120,
  industry: 'software',
  jobTitle: 'Marketing Manager',
  locale: 'pl',
  timezone: 'Europe/Warsaw',
  country: 'PL',
  source: 'web_form',
  consent: 'confirmed',
  ...over,
});

const started = new Set<string>();

/**
 * Terminates the lead workflows a test started. A failed test would otherwise leave a workflow
 * whose tasks nobody polls, and the time-skipping server never skips past a pending task.
 */
export async function terminateLeftovers(env: TestWorkflowEnvironment): Promise<void> {
  for (const id of started) {
    await env.client.workflow.getHandle(id).terminate('test cleanup').catch(() => undefined);
  }
  started.clear();
}

/**
 * A time-skipping server for each test of a suite (`set` receives it before the test): a test that
 * ends while a lead has an activity pending leaves the server's clock locked for good (see
 * dev/time-skipping.ts), so no server outlives its test. Torn down after the test (its workers
 * have stopped by then).
 */
export function useTimeSkippingEnv(set: (env: TestWorkflowEnvironment) => void): void {
  let env: TestWorkflowEnvironment | undefined;
  beforeEach(async () => {
    env = await createTimeSkippingEnv();
    set(env);
  }, 60_000);
  afterEach(async () => {
    started.clear();
    await env?.teardown();
    env = undefined;
  });
}

/** signal-with-start: the way every event reaches a lead, known or not. */
export function signalLead(env: TestWorkflowEnvironment, taskQueue: string, leadId: string, profile: LeadProfile, event: LeadEventSignal) {
  started.add(`lead-${leadId}`);
  return env.client.workflow.signalWithStart('leadLifecycle', {
    workflowId: `lead-${leadId}`,
    taskQueue,
    // As intake starts a lead: its features, no contact data.
    args: [{ leadId, features: featuresOf(profile) } satisfies LeadWorkflowInput],
    signal: leadEventSignal,
    signalArgs: [event],
  });
}

/**
 * Lets workflow time pass a second at a time until `ok` holds; fails naming `what` after `steps`.
 * (A step waits for the activities it starts: the server's clock stands still while one runs.)
 */
export async function passUntil(env: TestWorkflowEnvironment, ok: () => boolean | Promise<boolean>, what: string, steps = 50): Promise<void> {
  for (let i = 0; i < steps; i++) {
    if (await ok()) return;
    await env.sleep(1000);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Waits, without moving workflow time, until `ok` holds: what the last signal or env.sleep started
 * (a workflow task, an activity) may still be running when it returns, and a query right then sees
 * the state before it. Outside env.sleep the test server's clock is locked, so no timer fires
 * meanwhile. Fails naming `what` after `withinMs` of real time.
 */
export { eventually };

/** The lead's state once `ok` holds (see `eventually`). */
export function settled(h: { query(q: typeof stateQuery): Promise<LeadView> }, ok: (v: LeadView) => boolean, what: string, bound?: Bound): Promise<LeadView> {
  return eventuallyValue(() => h.query(stateQuery), ok, what, bound);
}
