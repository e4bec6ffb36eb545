// Sending runs on its own task queue (<TASK_QUEUE>-email) with the EMAIL_RATE_PER_SECOND limit, which
// the Temporal server enforces for the whole queue: a burst of sends is spread out, not fired at once.
// On the real dev server (the time-skipping test server does not rate-limit).
import { Client, Connection } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { NativeConnection } from '@temporalio/worker';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { loadConfig } from '../runtime/config';
import { startDevServerOnFreePorts, type DevServer } from '../dev/dev-server';
import { createWorkers } from '../worker/worker';
import type { SendEmailRequest } from '../workflows/activity-contract';
import { fakeWorld } from './support/fake-activities';
import { freePort } from './helpers/ports';


let dir: string;
let dev: DevServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'leadflow-emailq-'));
  dev = await startDevServerOnFreePorts({ dataDir: dir, namespace: 'default' }, freePort);
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a blast of sends goes through the email queue no faster than EMAIL_RATE_PER_SECOND', async () => {
  const config = loadConfig({ DATA_DIR: dir, TASK_QUEUE: `emailq-${process.pid}`, EMAIL_RATE_PER_SECOND: '2', LINK_SIGNING_SECRET: 'q'.repeat(40) });
  expect(config.EMAIL_TASK_QUEUE).toBe(`emailq-${process.pid}-email`);
  const started: { at: number; queue: string; key: string }[] = [];
  const activities = {
    ...fakeWorld().activities,
    sendEmail: async (req: SendEmailRequest) => {
      started.push({ at: Date.now(), queue: Context.current().info.taskQueue, key: req.idempotencyKey });
      return { status: 'sent' as const, messageId: `<${req.idempotencyKey}@x>` };
    },
  };
  const connection = await NativeConnection.connect({ address: dev.address });
  const client = new Client({ connection: await Connection.connect({ address: dev.address }) });
  const workers = await createWorkers({ connection, config, activities, overrides: { main: { workflowsPath: require.resolve('./email.blast-workflow') } } });
  const running = workers.run();
  try {
    const statuses = await client.workflow.execute('emailBlast', { taskQueue: config.TASK_QUEUE, workflowId: `blast-${process.pid}`, args: [6] });
    expect(statuses).toEqual(Array(6).fill('sent'));
    expect(new Set(started.map((s) => s.queue))).toEqual(new Set([config.EMAIL_TASK_QUEUE]));
    expect(started.map((s) => s.key).sort()).toEqual(Array.from({ length: 6 }, (_, i) => `blast:${i}`));
    // 6 sends at 2/s: even with a burst of 2 allowed at once, the last starts >= 2 s after the
    // first. Without the limit all six start within milliseconds. (A lower bound: load only adds.)
    const at = started.map((s) => s.at).sort((a, b) => a - b);
    expect(at[5] - at[0]).toBeGreaterThanOrEqual(1500);
  } finally {
    workers.shutdown();
    await running;
    await connection.close();
    await client.connection.close();
  }
}, 120_000);
