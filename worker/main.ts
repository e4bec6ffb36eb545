// The worker role: the lead workflows with their activities (queue `lead`) and/or mail sending
// (queue `email`). Any number of these processes can poll one namespace: Temporal hands each task to
// one of them, and the mail ledger's claim keeps a send from happening twice.
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Db } from '../domain/db';
import type { EmailConfig } from '../activities/email/send';
import type { WorkerQueue, WorkersConfig } from '../runtime/config';
import { createWorkers } from './worker';
import { sweepPendingErasures } from '../domain/erasure';

/**
 * A worker without the email queue never sends (sendEmail is not registered there), but the activity
 * set is built as a whole: these settings fill the mail part that such a process never uses.
 */
const NOT_SENDING: EmailConfig = {
  smtp: { host: 'not-sending.invalid', port: 25, secure: false },
  from: 'not-sending@invalid',
  companyName: '',
  companyAddress: '',
  publicBaseUrl: 'http://not-sending.invalid',
  siteUrl: 'http://not-sending.invalid',
  linkSecret: 'this worker does not serve the email queue',
  quietHours: { start: '00:00', end: '00:00' },
  cap: { max: 0, days: 1 },
};

export interface RunningWorkers {
  /** Settles when the workers stop (or fails with the error that stopped them). */
  running: Promise<void>;
  /** Graceful: polls end, tasks in flight finish. */
  stop(): Promise<void>;
}

export async function runWorkers(opts: {
  db: Db;
  temporal: Client;
  connection: NativeConnection;
  config: WorkersConfig;
  queues: readonly WorkerQueue[];
  /** Required when `queues` has `email`. */
  email?: EmailConfig;
  identity?: string;
}): Promise<RunningWorkers> {
  const { db, temporal, queues } = opts;
  if (queues.includes('email') && !opts.email) throw new Error('the email queue needs the mail settings');
  const { close, ...activities } = createActivities({
    db,
    email: opts.email ?? NOT_SENDING,
    temporal,
  });
  const workers = await createWorkers({ connection: opts.connection, config: opts.config, activities, queues, ...(opts.identity ? { identity: opts.identity } : {}) });
  const running = workers.run();
  if (queues.includes('lead')) {
    // Erasures left pending while Temporal was away get their workflow now (and every 15 minutes: the erasure-sweep schedule).
    // A failure here does not stop the worker: the schedule sweeps again.
    await sweepPendingErasures({ db, temporal, taskQueue: opts.config.TASK_QUEUE }).then(
      (s) => s.pending && console.log(`pending erasures: ${s.pending}, history erasure running for ${s.running}`),
      (e: unknown) => console.error(`erasure sweep at start failed (the erasure-sweep schedule retries): ${(e as Error).message}`),
    );
  }
  return {
    running,
    async stop() {
      workers.shutdown();
      await running.catch(() => undefined);
      close();
    },
  };
}
