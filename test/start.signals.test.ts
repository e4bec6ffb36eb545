// `npm start` as a user runs it: SIGTERM or SIGINT to the npm process stops every process it started
// (the node process, the Temporal dev server) within 10 s; a port another process holds is named
// with the role that wanted it, before anything is started.
import { spawn, type ChildProcess } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { createServer, type Server } from 'net';
import { tmpdir } from 'os';
import path from 'path';
import { eventually } from './helpers/eventually';
import { freePort } from './helpers/ports';
import { sharedWorkflowBundlePath } from './helpers/workflow-bundle';

const root = path.join(__dirname, '..');

/** Every live descendant of `pid` (from /proc: each process's parent). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z') parent.set(Number(d), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [c, pp] of parent) {
      if (pp !== p) continue;
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

async function portsEnv(dir: string): Promise<Record<string, string>> {
  const bundle = sharedWorkflowBundlePath();
  return {
    DATA_DIR: dir,
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    API_PORT: String(await freePort()),
    SINK_SMTP_PORT: String(await freePort()),
    SEED_DEMO: 'false',
    // The run's prebuilt workflow bundle: the point here is the processes, not webpack.
    ...(bundle ? { WORKFLOW_BUNDLE: bundle } : {}),
  };
}

function start(cmd: string[], env: Record<string, string>): { proc: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const proc = spawn(cmd[0], cmd.slice(1), { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { proc, output: () => out, exited: new Promise((r) => proc.once('exit', (code, signal) => r(code ?? (signal ? 128 : null)))) };
}

// One data folder for both runs: the second is a restart on the first one's data, as a user's next
// `npm start` is (PostgreSQL and the migrations are already there: seconds less).
let stackDir: string;
beforeAll(() => {
  stackDir = mkdtempSync(path.join(tmpdir(), 'leadflow-start-'));
});
afterAll(() => rmSync(stackDir, { recursive: true, force: true }));

describe.each(['SIGTERM', 'SIGINT'] as const)('npm start, then %s to the npm process', (signal) => {
  test('every child is gone within 10 s', async () => {
    const run = start(['npm', 'start'], await portsEnv(stackDir));
    try {
      await eventually(() => {
        if (run.proc.exitCode !== null) throw new Error('npm start exited');
        return run.output().includes('leadflow is running');
      }, 'npm start to come up', { withinMs: 150_000, everyMs: 250 });
    } catch (e) {
      run.proc.kill('SIGKILL');
      throw new Error(`${(e as Error).message}:\n${run.output()}`, { cause: e });
    }
    const children = descendants(run.proc.pid!);
    const cmdlines = children.map((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' '));
    // At least the node process and the Temporal dev server.
    expect(cmdlines.some((c) => c.includes('cli/leadflow.ts start'))).toBe(true);
    expect(cmdlines.some((c) => c.includes('server start-dev'))).toBe(true);

    const t = Date.now();
    process.kill(run.proc.pid!, signal);
    await eventually(() => !children.some(alive), 'every child to be gone', { withinMs: 10_000, everyMs: 100 }).catch(() => undefined);
    const left = children.filter(alive);
    for (const p of left) process.kill(p, 'SIGKILL');
    expect(left.map((p, i) => `${p} ${cmdlines[children.indexOf(p)] ?? i}`)).toEqual([]);
    await run.exited;
    expect(Date.now() - t).toBeLessThan(10_000);
    expect(run.output()).toContain(`${signal}: shutting down`);
  }, 200_000);
});

describe('a taken port', () => {
  let dir: string;
  let blocker: Server;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'leadflow-port-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => blocker?.close());

  test.each([
    ['TEMPORAL_PORT', 'Temporal dev server'],
    ['API_PORT', 'HTTP API'],
    ['SINK_SMTP_PORT', 'SMTP sink'],
  ])('%s: the message names the port, the role and who holds it; nothing is left running', async (variable, roleName) => {
    const env = await portsEnv(dir);
    const port = Number(env[variable]);
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    const run = start([process.execPath, '--import', 'tsx', 'cli/leadflow.ts', 'start'], env);
    const code = await run.exited;
    expect(code).toBe(1);
    expect(run.output()).toContain(`port ${port} (${roleName}) is already in use by pid ${process.pid}`);
    expect(run.output()).toContain(`set ${variable} to a free port`);
    expect(descendants(run.proc.pid!)).toEqual([]);
  }, 60_000);
});
