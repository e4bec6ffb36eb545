// The Temporal workers of one process: the lead workflows and their activities on TASK_QUEUE, and
// mail sending on `<TASK_QUEUE>-email`, rate-limited so a holiday blast never exceeds the provider's rate.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { LeadActivities } from '../workflows/activity-contract';
import type { WorkerQueue, WorkersConfig } from '../runtime/config';

export interface Workers {
  run(): Promise<void>;
  shutdown(): void;
}

/** Per-queue option overrides: benchmarks and chaos runs pick a bench workflow bundle or cache size. */
export type WorkerOverrides = { main?: Partial<WorkerOptions>; email?: Partial<WorkerOptions> };

/** The workers of `queues` (default both): `lead` runs the workflows and their activities, `email` sends. */
export async function createWorkers(opts: {
  connection: NativeConnection;
  config: WorkersConfig;
  activities: LeadActivities;
  queues?: readonly WorkerQueue[];
  /** How the pollers show in DescribeTaskQueue (the health check looks for its host's). */
  identity?: string;
  overrides?: WorkerOverrides;
}): Promise<Workers> {
  const { connection, config, activities, queues = ['lead', 'email'], overrides = {} } = opts;
  const { sendEmail, ...rest } = activities;
  const identity = opts.identity ? { identity: opts.identity } : {};
  const running: Worker[] = [];
  if (queues.includes('lead')) running.push(await Worker.create({
    connection,
    ...identity,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE,
    // A pre-built bundle (scripts/build-workflows.ts) spares every start the webpack run and its memory.
    ...(config.WORKFLOW_BUNDLE ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE } } : { workflowsPath: require.resolve('../workflows') }),
    ...(config.WORKER_MAX_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS } : {}),
    activities: rest,
    ...overrides.main,
  }));
  if (queues.includes('email')) running.push(await Worker.create({
    connection,
    ...identity,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.EMAIL_TASK_QUEUE,
    activities: { sendEmail },
    // Across all workers of this queue, not only this process.
    maxTaskQueueActivitiesPerSecond: config.EMAIL_RATE_PER_SECOND,
    ...overrides.email,
  }));
  return {
    run: () => Promise.all(running.map((w) => w.run())).then(() => undefined),
    shutdown: () => running.forEach((w) => w.shutdown()),
  };
}
