// The leadflow workers in a process of their own, for the benchmarks and the chaos suite: its RSS
// is measured alone, and it can be killed with SIGKILL mid-run and started again. Configured like
// the real worker (loadConfig: TEMPORAL_ADDRESS, DATABASE_URL, TASK_QUEUE, SMTP_PORT, ...), with
// the pre-built bench bundle (WORKFLOW_BUNDLE, from bench/bundle.ts) and WORKER_MAX_CACHED_WORKFLOWS.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { fork, type ChildProcess } from 'child_process';
import { readFileSync } from 'fs';
import { Session } from 'inspector';
import { createActivities } from '../activities';
import { publishSequence } from '../domain/content/catalogue';
import { prismaContentStore } from '../domain/content/prisma-store';
import { publishShipped } from '../domain/content/shipped';
import { createPrisma } from '../domain/db';
import { useSuppressionKeys } from '../domain/mail/email-hash';
import { emailConfig, loadConfig } from '../runtime/config';
import { definitionProblems } from '../domain/content/definitions';
import { createWorkers } from '../worker/worker';
import { benchNoopActivities } from './noop-activity';
import { benchSequenceModules } from './sequences';

export interface WorkerChild {
  pid: number;
  /** Resident set size now, in MB (from /proc). */
  rssMb(): number;
  /** Highest resident set size so far, in MB. */
  peakRssMb(): number;
  /**
   * The worker's own view, MB: the main thread's V8 heap used / total, memory outside it (Rust core,
   * buffers), and the workflow thread's V8 heap (the isolate the lead workflows run in; null when the
   * inspector could not reach it).
   */
  memory(): Promise<{ heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; rss: number; workflowHeapUsed: number | null; workflowHeapTotal: number | null }>;
  /** Graceful: SIGTERM, in-flight tasks finish. */
  stop(): Promise<void>;
  /** kill -9: no shutdown at all. */
  kill9(): Promise<void>;
  exited: Promise<number | null>;
}

export type WorkerMemory = Awaited<ReturnType<WorkerChild['memory']>>;

/**
 * Samples the worker's own memory view every `everyMs` and keeps the sample taken at the highest RSS
 * (with the phase the caller names), so a peak can be told apart: V8 heap vs memory outside it.
 */
export function memorySampler(worker: WorkerChild, everyMs = 1000): { phase(name: string): void; peak(): (WorkerMemory & { phase: string }) | undefined; stop(): void } {
  let phase = 'start';
  let peak: (WorkerMemory & { phase: string }) | undefined;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    worker.memory().then(
      (m) => {
        busy = false;
        if (!peak || m.rss > peak.rss) peak = { ...m, phase };
      },
      () => (busy = false),
    );
  }, everyMs);
  timer.unref();
  return { phase: (name) => (phase = name), peak: () => peak, stop: () => clearInterval(timer) };
}

const statusMb = (pid: number, field: 'VmRSS' | 'VmHWM'): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

export async function spawnWorker(env: Record<string, string>): Promise<WorkerChild> {
  // BENCH_CPU_PROF_DIR: a V8 CPU profile of the worker, written when it stops gracefully (stop()).
  const prof = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
  const child: ChildProcess = fork(__filename, [], { execArgv: ['--import', 'tsx', ...prof], env: { ...process.env, SEED_DEMO: 'false', SINK_ENABLED: 'false', ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await Promise.race([
    new Promise<void>((r) => child.on('message', (m) => m === 'ready' && r())),
    exited.then((c) => Promise.reject(new Error(`worker process exited (${c}) before it was ready`))),
  ]);
  const pid = child.pid!;
  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  const memory = (): ReturnType<WorkerChild['memory']> =>
    new Promise((resolve) => {
      const onMessage = (m: unknown): void => {
        if (typeof m === 'object' && m && 'heapUsed' in m) {
          child.off('message', onMessage);
          resolve(m as Awaited<ReturnType<WorkerChild['memory']>>);
        }
      };
      child.on('message', onMessage);
      child.send('memory');
    });
  return { pid, rssMb: () => statusMb(pid, 'VmRSS'), peakRssMb: () => statusMb(pid, 'VmHWM'), memory, stop: () => signal('SIGTERM'), kill9: () => signal('SIGKILL'), exited };
}

/**
 * The workflow thread's V8 heap, which process.memoryUsage() in the main thread does not see: asked
 * through the inspector (NodeWorker domain, Runtime.getHeapUsage), no debugger enabled. Null when
 * no worker thread is attached or it does not answer within a second.
 */
function workflowThreadHeap(): () => Promise<{ usedSize: number; totalSize: number } | null> {
  const session = new Session();
  session.connect();
  const threads: string[] = [];
  const waiting = new Map<number, (r: { usedSize: number; totalSize: number } | null) => void>();
  let next = 1;
  // Only the SDK's workflow thread: tsx's module loader runs in a worker thread of its own.
  session.on('NodeWorker.attachedToWorker', (m: { params: { sessionId: string; workerInfo: { url: string } } }) => {
    if (m.params.workerInfo.url.includes('workflow-worker-thread')) threads.push(m.params.sessionId);
  });
  session.on('NodeWorker.receivedMessageFromWorker', (m: { params: { message: string } }) => {
    const reply = JSON.parse(m.params.message) as { id?: number; result?: { usedSize: number; totalSize: number } };
    if (reply.id !== undefined) waiting.get(reply.id)?.(reply.result ?? null);
  });
  session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
  return () =>
    new Promise((resolve) => {
      const sessionId = threads[0];
      if (!sessionId) return resolve(null);
      const id = next++;
      const timer = setTimeout(() => done(null), 1000);
      const done = (r: { usedSize: number; totalSize: number } | null): void => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(r);
      };
      waiting.set(id, done);
      session.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) });
    });
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const problems = definitionProblems(undefined, benchSequenceModules);
  if (problems.length) throw new Error(`bench sequences invalid:\n  ${problems.join('\n  ')}`);
  const config = loadConfig();
  const db = useSuppressionKeys(createPrisma(config.DATABASE_URL), config.SUPPRESSION_SECRET);
  const { close, ...activities } = createActivities({
    db,
    email: { ...emailConfig(config), smtp: { host: config.SMTP_HOST, port: config.SMTP_PORT, secure: false, pool: true, maxConnections: 5 } },
  });
  // Bench sequences are content like any other: published next to the shipped ones.
  // LEADFLOW_SKIP_PUBLISH=1: content was published by an earlier worker (the chaos suite starts one
  // while the database is down, which a publishing start cannot).
  if (process.env.LEADFLOW_SKIP_PUBLISH !== '1') {
    const content = prismaContentStore(db);
    await publishShipped(content);
    for (const m of benchSequenceModules) await publishSequence(content, m);
  }
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  // Before the workers: the SDK starts its workflow thread then.
  const workflowHeap = workflowThreadHeap();
  const workers = await createWorkers({
    connection,
    config,
    activities: { ...activities, ...benchNoopActivities },
  });
  const running = workers.run();
  process.on('SIGTERM', () => workers.shutdown());
  process.on('message', (m) => {
    if (m !== 'memory') return;
    const mb = (x: number): number => Math.round(x / 104857.6) / 10;
    const u = process.memoryUsage();
    void workflowHeap().then((w) =>
      process.send?.({ heapUsed: mb(u.heapUsed), heapTotal: mb(u.heapTotal), external: mb(u.external), arrayBuffers: mb(u.arrayBuffers), rss: mb(u.rss), workflowHeapUsed: w && mb(w.usedSize), workflowHeapTotal: w && mb(w.totalSize) }),
    );
  });
  process.send?.('ready');
  await running;
  close();
  await connection.close();
  await db.$disconnect();
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
