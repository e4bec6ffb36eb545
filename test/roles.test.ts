// The roles as separate processes of the compiled build (`npm run build`, then `node dist/cli/leadflow.js
// <role>`, no tsx): on the dev server, `leadflow worker` alone processes a lead that `leadflow api`
// alone took in; the health checks tell a polling worker from none; each role stops on SIGTERM.
import { Client, Connection } from '@temporalio/client';
import { execFile, spawn, type ChildProcess } from 'child_process';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import path from 'path';
import { promisify } from 'util';
import { createApiKey } from '../api/auth';
import { startDevServerOnFreePorts, type DevServer } from '../dev/dev-server';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink';
import { createTestDb, TEST_SUPPRESSION_SECRET, type TestDb } from './helpers/db';
import { eventually } from './helpers/eventually';
import { freePort } from './helpers/ports';

const root = path.join(__dirname, '..');
const CLI = path.join(root, 'dist', 'cli', 'leadflow.js');

interface Run {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}
function role(args: string[], env: Record<string, string>): Run {
  // Only what the role is given: nothing leaks in from the test's own environment but PATH.
  const proc = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { proc, output: () => out, exited: new Promise((r) => proc.once('exit', (code) => r(code))) };
}
async function once(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const r = role(args, env);
  const code = await r.exited;
  return { code, out: r.output() };
}
async function stopsOnSigterm(r: Run): Promise<{ code: number | null; ms: number }> {
  const t = Date.now();
  r.proc.kill('SIGTERM');
  const code = await Promise.race([r.exited, new Promise<'hung'>((res) => setTimeout(() => res('hung'), 10_000))]);
  if (code === 'hung') r.proc.kill('SIGKILL');
  return { code: code === 'hung' ? -1 : code, ms: Date.now() - t };
}

let dir: string;
let dev: DevServer;
let t: TestDb;
let sink: SmtpSink;
let env: Record<string, string>;
const running: Run[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'leadflow-roles-'));
  // The build (a child process) and the services the roles use come up side by side.
  [, dev, t, sink] = await Promise.all([
    promisify(execFile)('bash', [path.join(root, 'scripts', 'build.sh')], { cwd: root }),
    startDevServerOnFreePorts({ dataDir: dir, namespace: 'default' }, freePort),
    createTestDb(),
    startSmtpSink({ port: 0 }),
  ]);
  env = {
    TEMPORAL_ADDRESS: dev.address,
    TASK_QUEUE: `roles-${process.pid}`,
    DATABASE_URL: t.url,
    PUBLIC_BASE_URL: 'http://leads.test',
    LINK_SIGNING_SECRET: 'r'.repeat(40),
    SUPPRESSION_SECRET: TEST_SUPPRESSION_SECRET,
    API_PORT: String(await freePort()),
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    QUIET_HOURS: '00:00-00:01',
  };
}, 300_000);

afterAll(async () => {
  for (const r of running) if (r.proc.exitCode === null) r.proc.kill('SIGKILL');
  await sink?.stop();
  await t?.cleanup();
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the build holds every role and the pre-built workflow bundle', () => {
  expect(existsSync(CLI)).toBe(true);
  expect(existsSync(path.join(root, 'dist', 'workflow-bundle.js'))).toBe(true);
  expect(existsSync(path.join(root, 'dist', 'templates'))).toBe(true);
});

test('leadflow worker alone processes a lead that leadflow api alone took in', async () => {
  const api = role(['api'], env);
  running.push(api);
  await eventually(async () => {
    if (api.proc.exitCode !== null) throw new Error(`api exited:\n${api.output()}`);
    return (await once(['api', '--health'], env)).code === 0;
  }, 'the api to become healthy', { withinMs: 60_000, everyMs: 300 });
  const { key } = await createApiKey(t.db, 'roles test', ['admin']);
  const res = await fetch(`http://127.0.0.1:${env.API_PORT}/leads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'roles.test.lead@gmail.com', firstName: 'Ola', company: 'Acme', source: { channel: 'web_form' }, consent: { status: 'confirmed', textVersion: 'tos-1' }, locale: 'en', timezone: 'UTC' }),
  });
  expect([res.status, res.status === 201 ? '' : await res.text()]).toEqual([201, '']);
  const { leadId } = (await res.json()) as { leadId: string };

  // No worker yet: the lead waits in Temporal, nothing is sent, and the worker health check says so.
  const before = await once(['worker', '--health'], env);
  expect(before.code).toBe(1);
  expect(before.out).toContain(`${env.TASK_QUEUE} (workflow): no poller of`);
  // Nothing picked it up: its history ends at the first workflow task, scheduled and never started.
  const client = new Client({ connection: await Connection.connect({ address: dev.address }) });
  try {
    const { workflowId } = await t.db.lead.findUniqueOrThrow({ where: { id: leadId } });
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    expect(events.filter((e) => e.workflowTaskStartedEventAttributes)).toEqual([]);
    expect(events.some((e) => e.workflowTaskScheduledEventAttributes)).toBe(true);
  } finally {
    await client.connection.close();
  }
  expect(sink.mails()).toHaveLength(0);

  const worker = role(['worker'], env);
  running.push(worker);
  const [mail] = await sink.waitFor(1, 60_000);
  expect(mail.to).toEqual(['roles.test.lead@gmail.com']);
  // The compiled worker loads the bundle the build made: no webpack at run time.
  expect(worker.output()).toContain(`bundle ${path.join(root, 'dist', 'workflow-bundle.js')}`);

  const health = await once(['worker', '--health'], env);
  expect(health.code).toBe(0);
  expect(health.out.split('\n').filter(Boolean)).toEqual([
    expect.stringContaining(`${env.TASK_QUEUE} (workflow): polled by ${worker.proc.pid}@`),
    expect.stringContaining(`${env.TASK_QUEUE} (activity): polled by ${worker.proc.pid}@`),
    expect.stringContaining(`${env.TASK_QUEUE}-email (activity): polled by ${worker.proc.pid}@`),
  ]);

  // The API process reads the lead the worker moved on.
  const got = await fetch(`http://127.0.0.1:${env.API_PORT}/leads/${leadId}`, { headers: { authorization: `Bearer ${key}` } });
  expect(got.status).toBe(200);

  for (const r of [worker, api]) {
    const stopped = await stopsOnSigterm(r);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(10_000);
  }
}, 180_000);

test('each role checks only its own configuration and names what is missing', async () => {
  // Independent processes: started together.
  const [api, worker, leadOnly, unknownQueue, schedules, deploy, help] = await Promise.all([
    once(['api'], {}),
    once(['worker'], { API_PORT: 'not a port' }),
    once(['worker', '--queues', 'lead'], {}),
    once(['worker', '--queues', 'lead,sms'], env),
    once(['schedules'], {}),
    once(['deploy'], {}),
    once(['--help'], {}),
  ]);
  expect(api.code).toBe(2);
  for (const k of ['TEMPORAL_ADDRESS: required', 'DATABASE_URL: required', 'PUBLIC_BASE_URL: required', 'LINK_SIGNING_SECRET: required']) expect(api.out).toContain(k);
  expect(api.out).not.toContain('SMTP');

  expect(worker.code).toBe(2);
  for (const k of ['TEMPORAL_ADDRESS: required', 'DATABASE_URL: required', 'SMTP_HOST: required', 'LINK_SIGNING_SECRET: required']) expect(worker.out).toContain(k);
  expect(worker.out).not.toContain('API_PORT');

  expect(leadOnly.code).toBe(2);
  expect(leadOnly.out).not.toMatch(/SMTP|LINK_SIGNING_SECRET|PUBLIC_BASE_URL/);

  expect(unknownQueue).toMatchObject({ code: 2, out: expect.stringContaining('--queues: unknown sms') });
  expect(schedules).toMatchObject({ code: 2, out: expect.stringContaining('TEMPORAL_ADDRESS: required') });
  expect(deploy).toMatchObject({ code: 2, out: expect.stringContaining('unknown command deploy') });
  expect(help).toMatchObject({ code: 0, out: expect.stringContaining('usage: leadflow <command>') });
}, 60_000);

test('a taken API port names the port and the role', async () => {
  const blocker = createServer();
  const port = await freePort();
  await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
  try {
    const r = await once(['api'], { ...env, API_PORT: String(port) });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`port ${port} (HTTP API) is already in use by pid ${process.pid}`);
    expect(r.out).toContain('set API_PORT to a free port');
  } finally {
    blocker.close();
  }
}, 60_000);
