// The Temporal workers of one process: the lead workflows and their activities on TASK_QUEUE, and
// mail sending on `<TASK_QUEUE>-email`, rate-limited so a holiday blast never exceeds the provider's rate.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { LeadActivities } from '../workflows/activity-contract';
import type { WorkerQueue, WorkersConfig } from '../runtime/config';

export interface Workers {
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * What one cached lead workflow costs the worker, measured (bench/burst.ts, 2026-12-03): 1,021 MB RSS
 * with the SDK's default cache full (2,310 workflows, ~2,240 of them leads) vs 270 MB idle.
 */
export const CACHED_LEAD_WORKFLOW_MB = 0.33;
/** The worker's memory for cached workflows unless WORKER_MAX_CACHED_WORKFLOWS says otherwise: keeps it < 500 MB. */
export const DEFAULT_WORKFLOW_CACHE_MB = 100;
/**
 * The default cache: from the real per-workflow cost, not the SDK's heap-based guess (~2,300 on a 4 GB
 * heap, i.e. ~750 MB of leads). A lead that is not cached replays its (continue-as-new-bounded) history
 * when it wakes: CPU instead of memory; raise WORKER_MAX_CACHED_WORKFLOWS where memory is cheaper.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = Math.floor(DEFAULT_WORKFLOW_CACHE_MB / CACHED_LEAD_WORKFLOW_MB);

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
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS ?? DEFAULT_MAX_CACHED_WORKFLOWS,
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
