// The real stack on loopback for the benchmarks and the chaos suite: Temporal dev server (state in
// a temp dir, restartable on the same port and file), a migrated PostgreSQL database, the SMTP sink and the
// workers in processes of their own, a Temporal client and intake as the API uses it.
import { Client, Connection } from '@temporalio/client';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { createTestDb, stopOwnTestServer, TEST_SUPPRESSION_SECRET, type TestDb } from '../test/helpers/db';
import { benchPort } from './ports';
import { postmasterPid } from './report';
import { startDevServer, startDevServerOnFreePorts, type DevServer } from '../dev/dev-server';
import { intakeLead } from '../domain/intake/intake';
import { buildBenchBundle } from './bundle';
import { spawnSink, type SinkTally } from './sink-process';
import { spawnWorker, type WorkerChild } from './worker-process';

export interface BenchStack {
  dir: string;
  dev: DevServer;
  db: TestDb;
  sink: SinkTally;
  client: Client;
  taskQueue: string;
  /** The PostgreSQL server's postmaster, for cpuMeter's `{ tree }` (undefined when it cannot be read). */
  postgresPid: number | undefined;
  startWorker(env?: Record<string, string>): Promise<WorkerChild>;
  /** Stops the dev server and starts it again on the same port with the same state file. */
  restartTemporal(): Promise<void>;
  /** A lead through intake (row + signal-with-start), like POST /leads. */
  intake(i: number, source: string): Promise<{ leadId: string; workflowId: string }>;
  stop(): Promise<void>;
}

export async function startStack(name: string): Promise<BenchStack> {
  // Temporal's state file on tmpfs when there is one: the dev server fsyncs every write, and on this
  // kind of VM disk that, not Temporal, would be what the bench measures (2.5x the wall time).
  const dir = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), `leadflow-${name}-`));
  let dev = await startDevServerOnFreePorts({ dataDir: dir, namespace: 'default' }, benchPort);
  const devOpts = { port: dev.port, uiPort: dev.uiPort, dataDir: dir, namespace: 'default' };
  const bundle = await buildBenchBundle(path.join(dir, 'workflow-bundle.js'));
  const db = await createTestDb();
  const postgresPid = await postmasterPid(db.url);
  const sink = await spawnSink();
  const connection = await Connection.connect({ address: dev.address });
  const client = new Client({ connection });
  const taskQueue = `${name}-${process.pid}`;
  const workers = new Set<WorkerChild>();
  const stack: BenchStack = {
    dir,
    get dev() {
      return dev;
    },
    db,
    sink,
    client,
    taskQueue,
    postgresPid,
    async startWorker(env = {}) {
      const w = await spawnWorker({
        TEMPORAL_ADDRESS: dev.address,
        DATABASE_URL: db.url,
        DATA_DIR: dir,
        TASK_QUEUE: taskQueue,
        WORKFLOW_BUNDLE: bundle,
        SMTP_PORT: String(sink.port),
        LINK_SIGNING_SECRET: 'b'.repeat(40),
        // The key createTestDb gives the stack's own handle (intake here, in this process).
        SUPPRESSION_SECRET: TEST_SUPPRESSION_SECRET,
        // The bench measures the engine, not the policies: no quiet hours, no cap, no rate limit.
        QUIET_HOURS: '00:00-00:01',
        FREQUENCY_CAP: '100/1d',
        EMAIL_RATE_PER_SECOND: '100000',
        ...env,
      });
      workers.add(w);
      void w.exited.then(() => workers.delete(w));
      return w;
    },
    async restartTemporal() {
      await dev.stop();
      dev = await startDevServer(devOpts);
    },
    async intake(i, source) {
      const r = await intakeLead({ db: db.db, temporal: client, taskQueue }, { email: `lead${i}@bench.test`, firstName: `Lead${i}`, company: 'Bench Ltd', source, consent: 'confirmed', locale: 'en', timezone: 'UTC' });
      return { leadId: r.leadId, workflowId: r.workflowId };
    },
    async stop() {
      // A profiled worker writes its profile on a graceful exit only.
      for (const w of workers) await (process.env.BENCH_CPU_PROF_DIR ? w.stop() : w.kill9());
      await sink.stop();
      await connection.close();
      await dev.stop();
      await db.cleanup();
      await stopOwnTestServer();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

/**
 * Resolves once `count` distinct mails are at the sink; fails when none arrives for `stallMs`.
 * `progress` hears each new count (the benches print it).
 */
export async function waitForMails(stack: BenchStack, count: number, stallMs = 180_000, progress?: (n: number) => void): Promise<void> {
  let last = -1;
  let since = Date.now();
  while (stack.sink.distinct() < count) {
    await new Promise((r) => setTimeout(r, 500));
    if (stack.sink.distinct() !== last) {
      last = stack.sink.distinct();
      since = Date.now();
      progress?.(last);
    } else if (Date.now() - since > stallMs) throw new Error(`stalled: ${last}/${count} mails at the sink for ${stallMs / 1000} s`);
  }
}
