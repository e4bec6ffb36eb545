// `npm run test:cluster`: leadflow as it is deployed, proven on this machine without Docker. The real
// Temporal server (built from the Go module proxy) on PostgreSQL, the compiled roles (`node
// dist/cli/leadflow.js search-attributes | api | worker`) as separate processes, an SMTP sink counting
// mails by Message-ID. Phases, each with leads of its own through a five-mail drip (bench/sequences.ts):
//   dev      the CLI's dev server, 1 worker process      -> mails/s baseline on this machine
//   cluster  the Temporal server, 2 worker processes      -> mails/s; all delivered, 0 duplicates
//   chaos    the Temporal server, 2 workers; at 30% of the mails one worker is killed with kill -9
//            (the other finishes alone), at 60% the Temporal server is restarted -> 0 lost, 0 duplicates
// Then the API process answers GET /leads/:id for sampled leads from the cluster.
//   npm run test:cluster [-- --leads 1000] [--speed-leads 1000]   (leads of the chaos phase; of dev and cluster)
//   CLUSTER_PORT_BASE (default 27233): every port is base + n
// Leads enter through the intake core (as the campaign bench does): the bench drip is picked by the
// lead source "bench", which the HTTP API's channel list rightly does not offer.
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import { chmodSync, createWriteStream, existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { createPrisma, type Db } from '../../domain/db';
import { buildBenchBundle } from '../../bench/bundle';
import { cpuMeter, numberArg, pool, writeResult } from '../../bench/report';
import { BENCH_DRIP_MAILS } from '../../bench/sequences';
import { spawnSink, type SinkTally } from '../../bench/sink-process';
import { createApiKey } from '../../api/auth';
import { startDevServer } from '../../dev/dev-server';
import { intakeLead } from '../../domain/intake/intake';
import { migrateDeploy } from '../../domain/database';
import { startPostgres, type Postgres } from './postgres';
import { ensureBinaries, setupSchemas, temporalServer, TEMPORAL_SERVER_VERSION, type TemporalServer } from './temporal-server';

const LEADS = numberArg('leads', 1000);
const SPEED_LEADS = numberArg('speed-leads', LEADS);
const BASE = Number(process.env.CLUSTER_PORT_BASE ?? 27233);
const PORTS = { temporal: BASE, postgres: BASE + 200, api: BASE + 201, dev: BASE + 202, devUi: BASE + 203 };
const root = path.join(__dirname, '..', '..');
const CLI = path.join(root, 'dist', 'cli', 'leadflow.js');
const TASK_QUEUE = 'leadflow-cluster';
const STALL_MS = 300_000; // a killed worker's sends are retried after their 2-minute start-to-close timeout
const log = (s: string): void => console.log(`[cluster ${new Date().toISOString().slice(11, 19)}] ${s}`);

interface Role {
  name: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
}

/** A leadflow role from the compiled build, its output in <dir>/<name>.log. */
function spawnRole(dir: string, name: string, args: string[], env: Record<string, string>): Role {
  const out = createWriteStream(path.join(dir, `${name}.log`));
  const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.pipe(out);
  proc.stderr?.pipe(out);
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { name, proc, exited };
}

async function runOnce(dir: string, name: string, args: string[], env: Record<string, string>): Promise<string> {
  const r = spawnRole(dir, name, args, env);
  let text = '';
  r.proc.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  r.proc.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const code = await r.exited;
  if (code !== 0) throw new Error(`leadflow ${args.join(' ')} exited ${code}:\n${text}`);
  return text.trim();
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface PhaseResult {
  phase: string;
  leads: number;
  expected: number;
  delivered: number;
  duplicates: number;
  lost: number;
  leadsWithAllFive: number;
  intakeMs: number;
  wallMs: number;
  mailsPerSecond: number;
  cpuSeconds: Record<string, number>;
  event?: string;
}

/** `leads` leads of `phase` through the drip; each event runs once when its share of the mails is in. */
async function campaign(
  phase: string,
  leads: number,
  t: { db: Db; client: Client; sink: SinkTally; pids: Record<string, number | undefined> },
  events: { at: number; run: () => Promise<string> }[] = [],
): Promise<PhaseResult> {
  const expected = leads * BENCH_DRIP_MAILS;
  const prefix = `${phase}-`;
  const before = t.sink.count();
  const mine = (): { distinct: number; full: number } => {
    let distinct = 0;
    let full = 0;
    for (const [to, n] of t.sink.byRecipient()) {
      if (!to.startsWith(prefix)) continue;
      distinct += n;
      if (n === BENCH_DRIP_MAILS) full += 1;
    }
    return { distinct, full };
  };
  const cpu = cpuMeter(t.pids);
  const t0 = Date.now();
  await pool(leads, 50, (i) =>
    intakeLead({ db: t.db, temporal: t.client, taskQueue: TASK_QUEUE }, { email: `${prefix}${i}@cluster.test`, firstName: `Lead${i}`, company: 'Cluster Ltd', source: 'bench', consent: 'confirmed', locale: 'en', timezone: 'UTC' }),
  );
  const intakeMs = Date.now() - t0;
  const happened: string[] = [];
  const pending = [...events];
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const { distinct } = mine();
    if (distinct >= expected) break;
    while (pending.length && distinct >= expected * pending[0].at) {
      const e = await pending.shift()!.run();
      happened.push(`${e} at ${distinct}/${expected} mails`);
      log(`${phase}: ${happened[happened.length - 1]}`);
      lastChange = Date.now();
    }
    if (distinct !== last) {
      if (Math.floor(distinct / (expected / 10)) !== Math.floor(Math.max(last, 0) / (expected / 10))) log(`${phase}: ${distinct}/${expected} mails`);
      last = distinct;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > STALL_MS) {
      log(`${phase}: no new mail for ${STALL_MS / 1000} s at ${distinct}/${expected}: counting what arrived`);
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const wallMs = Date.now() - t0;
  // Each lead parks after its fifth mail; a late duplicate would still show up in these seconds.
  await new Promise((r) => setTimeout(r, 5000));
  const { distinct, full } = mine();
  const total = t.sink.count() - before;
  const r: PhaseResult = {
    phase,
    leads,
    expected,
    delivered: distinct,
    duplicates: total - distinct,
    lost: expected - distinct,
    leadsWithAllFive: full,
    intakeMs,
    wallMs,
    mailsPerSecond: Math.round((distinct / (wallMs / 1000)) * 10) / 10,
    cpuSeconds: cpu(),
    ...(happened.length ? { event: happened.join('; ') } : {}),
  };
  log(`${phase}: ${r.delivered}/${expected} mails, ${r.duplicates} duplicates, ${r.lost} lost, ${full}/${leads} leads with all ${BENCH_DRIP_MAILS}, ${(wallMs / 1000).toFixed(1)} s (intake ${(intakeMs / 1000).toFixed(1)} s) = ${r.mailsPerSecond} mails/s; CPU s ${JSON.stringify(r.cpuSeconds)}`);
  return r;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  if (!process.argv.includes('--no-build')) {
    log('npm run build (dist/: compiled roles and the workflow bundle)');
    execFileSync('bash', [path.join(root, 'scripts', 'build.sh')], { stdio: 'inherit', cwd: root });
  }
  if (!existsSync(CLI)) throw new Error(`no ${CLI}: run npm run build`);
  const tools = ensureBinaries();
  // State on tmpfs where there is one, for both servers alike (the campaign bench does the same).
  const dir = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'leadflow-cluster-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as its own user inside it
  log(`work folder ${dir}; Temporal server ${TEMPORAL_SERVER_VERSION} on ${PORTS.temporal}, PostgreSQL on ${PORTS.postgres}`);
  const roles: Role[] = [];
  const cleanups: (() => unknown)[] = [];
  let pgi: Postgres | undefined;
  let server: TemporalServer | undefined;
  const results: PhaseResult[] = [];
  try {
    pgi = await startPostgres(path.join(dir, 'pg'), PORTS.postgres);
    setupSchemas(tools, pgi, { persistence: 'temporal', visibility: 'temporal_visibility' });
    for (const db of ['leadflow_dev', 'leadflow']) {
      await pgi.createDatabase(db);
      await migrateDeploy(pgi.url(db));
    }
    const bundle = await buildBenchBundle(path.join(dir, 'bench-bundle.js'));
    const sink = await spawnSink();
    cleanups.push(() => sink.stop());
    const workerEnv = (address: string, db: string): Record<string, string> => ({
      TEMPORAL_ADDRESS: address,
      TASK_QUEUE,
      DATABASE_URL: pgi!.url(db),
      WORKFLOW_BUNDLE: bundle,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${PORTS.api}`,
      LINK_SIGNING_SECRET: 'c'.repeat(64),
      SUPPRESSION_SECRET: 'h'.repeat(64),
      // The run measures the engine, not the policies: no quiet hours, no cap, no rate limit.
      QUIET_HOURS: '00:00-00:01',
      FREQUENCY_CAP: '100/1d',
      EMAIL_RATE_PER_SECOND: '100000',
    });
    const startWorker = async (name: string, address: string, db: string): Promise<Role> => {
      const w = spawnRole(dir, name, ['worker'], workerEnv(address, db));
      roles.push(w);
      return w;
    };
    /** `leadflow worker --health` until Temporal lists every given worker process among the pollers. */
    const pollersShow = (address: string, workers: Role[]): Promise<void> =>
      until(`pollers ${workers.map((w) => w.name).join(', ')}`, 60_000, async () => {
        const out = await runOnce(dir, 'health', ['worker', '--health'], workerEnv(address, 'leadflow'));
        return workers.every((w) => out.split('\n').every((line) => line.includes(`${w.proc.pid}@`)));
      });

    // ---- dev: the CLI's dev server and one worker, the same machine, the same run.
    const dev = await startDevServer({ port: PORTS.dev, uiPort: PORTS.devUi, dataDir: path.join(dir, 'dev'), namespace: 'default' });
    cleanups.push(() => dev.stop());
    const devDb = createPrisma(pgi.url('leadflow_dev'));
    const devClient = new Client({ connection: await Connection.connect({ address: dev.address }) });
    const devWorker = await startWorker('dev-worker', dev.address, 'leadflow_dev');
    await pollersShow(dev.address, [devWorker]);
    log('dev server: 1 worker polling');
    results.push(await campaign('dev', SPEED_LEADS, { db: devDb, client: devClient, sink, pids: { temporal: dev.process?.pid, worker: devWorker.proc.pid, sink: sink.pid } }));
    devWorker.proc.kill('SIGTERM');
    await devWorker.exited;
    await devClient.connection.close();
    await devDb.$disconnect();
    await dev.stop();

    // ---- the cluster: Temporal server on PostgreSQL, namespace, search attributes, API, 2 workers.
    server = temporalServer(tools, path.join(dir, 'temporal'), pgi, { persistence: 'temporal', visibility: 'temporal_visibility' }, PORTS.temporal);
    await server.start();
    log(`Temporal server SERVING on ${server.address}`);
    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    await connection.workflowService.registerNamespace({ namespace: 'default', workflowExecutionRetentionPeriod: msToTs('3 days') });
    await until('namespace default', 60_000, async () => Boolean(await connection.workflowService.describeNamespace({ namespace: 'default' })));
    // The frontend's namespace cache refreshes every 10 s; retry until the new namespace takes attributes.
    let registered = '';
    await until('search attributes', 60_000, async () => {
      registered = await runOnce(dir, 'search-attributes', ['search-attributes'], { TEMPORAL_ADDRESS: server!.address });
      return true;
    });
    log(registered);
    const client = new Client({ connection });
    const db = createPrisma(pgi.url('leadflow'));
    cleanups.push(() => db.$disconnect());
    const api = spawnRole(dir, 'api', ['api'], { ...workerEnv(server.address, 'leadflow'), API_HOST: '127.0.0.1', API_PORT: String(PORTS.api), API_RATE_LIMIT_PER_MINUTE: '100000' });
    roles.push(api);
    await until('leadflow api --health', 60_000, async () => {
      await runOnce(dir, 'api-health', ['api', '--health'], { ...workerEnv(server!.address, 'leadflow'), API_PORT: String(PORTS.api) });
      return true;
    });
    log(`api: healthy on 127.0.0.1:${PORTS.api}`);
    const a = await startWorker('worker-a', server.address, 'leadflow');
    const b = await startWorker('worker-b', server.address, 'leadflow');
    await pollersShow(server.address, [a, b]);
    log(`2 workers polling (pids ${a.proc.pid}, ${b.proc.pid}), as Temporal's DescribeTaskQueue shows`);
    const pids = (): Record<string, number | undefined> => ({ temporal: server!.process()?.pid, ...Object.fromEntries(roles.filter((r) => r.proc.exitCode === null && r.proc.signalCode === null).map((r) => [r.name, r.proc.pid])), sink: sink.pid });
    results.push(await campaign('cluster', SPEED_LEADS, { db, client, sink, pids: pids() }));

    // CPU only of the processes that live through the phase (worker-a is killed, the server restarted).
    results.push(
      await campaign('chaos', LEADS, { db, client, sink, pids: { api: api.proc.pid, 'worker-b': b.proc.pid, sink: sink.pid } }, [
        {
          at: 0.3,
          run: async () => {
            a.proc.kill('SIGKILL');
            await a.exited;
            return `kill -9 worker-a (pid ${a.proc.pid}); worker-b goes on alone`;
          },
        },
        {
          at: 0.6,
          run: async () => {
            const t = Date.now();
            await server!.stop();
            await server!.start();
            return `Temporal server restarted (down ${((Date.now() - t) / 1000).toFixed(1)} s)`;
          },
        },
      ]),
    );

    // The API process serves what the cluster holds: a lead's row and its live workflow state.
    const { key } = await createApiKey(db, 'cluster run', ['admin']);
    const sample = await db.lead.findMany({ where: { email: { startsWith: 'cluster-' } }, take: 20, select: { id: true } });
    let answered = 0;
    for (const { id } of sample) {
      const r = await fetch(`http://127.0.0.1:${PORTS.api}/leads/${id}`, { headers: { authorization: `Bearer ${key}` } });
      if (r.ok) answered += 1;
    }
    log(`api: GET /leads/:id answered ${answered}/${sample.length}`);

    const [devR, clusterR] = results;
    const ok = results.every((r) => r.lost === 0 && r.duplicates === 0) && answered === sample.length && sample.length > 0;
    const summary = {
      leads: { dev: SPEED_LEADS, cluster: SPEED_LEADS, chaos: LEADS },
      dripMails: BENCH_DRIP_MAILS,
      temporalServer: TEMPORAL_SERVER_VERSION,
      phases: results,
      clusterVsDev: Math.round((clusterR.mailsPerSecond / devR.mailsPerSecond) * 100) / 100,
      apiLeadReads: { answered, sampled: sample.length },
      ok,
      totalSeconds: Math.round((Date.now() - t0) / 1000),
    };
    console.log('\nphase     mails        dup  lost  leads w/ 5  wall s   mails/s  event');
    for (const r of results) console.log(`${r.phase.padEnd(9)} ${`${r.delivered}/${r.expected}`.padEnd(12)} ${String(r.duplicates).padStart(3)}  ${String(r.lost).padStart(4)}  ${`${r.leadsWithAllFive}/${r.leads}`.padStart(10)}  ${(r.wallMs / 1000).toFixed(1).padStart(6)}  ${String(r.mailsPerSecond).padStart(8)}  ${r.event ?? ''}`);
    console.log(`cluster (Temporal server on PostgreSQL, 2 workers) vs dev server (1 worker): ${clusterR.mailsPerSecond} vs ${devR.mailsPerSecond} mails/s = ${summary.clusterVsDev}x`);
    console.log(`${ok ? 'PASS' : 'FAIL'}: ${results.map((r) => `${r.phase} ${r.lost} lost / ${r.duplicates} dup`).join('; ')}; total ${summary.totalSeconds} s`);
    console.log(`written ${writeResult('cluster', summary)}`);
    if (!ok) process.exitCode = 1;
  } finally {
    for (const r of roles) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
    for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch(() => undefined);
    await server?.stop();
    pgi?.stop();
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
