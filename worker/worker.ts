// The Temporal workers of one process: the lead workflows and their activities on TASK_QUEUE, and
// mail sending on `<TASK_QUEUE>-email`, rate-limited so a holiday blast never exceeds the provider's rate.
import { NativeConnection, Worker } from '@temporalio/worker';
import type { LeadActivities } from '../workflows/activity-contract';
import type { Config } from './config';

export interface Workers {
  run(): Promise<void>;
  shutdown(): void;
}

export async function createWorkers(opts: { connection: NativeConnection; config: Config; activities: LeadActivities }): Promise<Workers> {
  const { connection, config, activities } = opts;
  const { sendEmail, ...rest } = activities;
  const main = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE,
    workflowsPath: require.resolve('../workflows'),
    activities: rest,
  });
  const email = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.EMAIL_TASK_QUEUE,
    activities: { sendEmail },
    // Across all workers of this queue, not only this process.
    maxTaskQueueActivitiesPerSecond: config.EMAIL_RATE_PER_SECOND,
  });
  return {
    run: () => Promise.all([main.run(), email.run()]).then(() => undefined),
    shutdown: () => {
      main.shutdown();
      email.shutdown();
    },
  };
}
