// The embedded Temporal: the CLI's dev server with its Web UI, state kept in a file under DATA_DIR,
// the project's search attributes registered at start.
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawn, type ChildProcess } from 'child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync } from 'fs';
import path from 'path';
import { SEARCH_ATTRIBUTES, SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes';
import { temporalCliPath } from './temporal-binaries';

export interface DevServer {
  address: string;
  uiUrl: string;
  /** The ports it listens on (a restart on the same state file reuses them). */
  port: number;
  uiPort: number;
  process?: ChildProcess;
  stop(): Promise<void>;
}

export async function startDevServer(opts: { port: number; uiPort: number; dataDir: string; namespace: string; cliPath?: string }): Promise<DevServer> {
  const exe = opts.cliPath ?? temporalCliPath();
  if (!exe) return startDownloadedDevServer(opts);
  mkdirSync(opts.dataDir, { recursive: true });
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(opts.port),
    '--ui-port', String(opts.uiPort),
    '--db-filename', path.join(opts.dataDir, 'temporal.db'),
    '--namespace', opts.namespace,
    '--log-level', 'warn',
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([k, t]) => ['--search-attribute', `${k}=${t}`]),
  ];
  const logFile = path.join(opts.dataDir, 'temporal.log');
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited: string | null = null;
  child.on('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  const address = `127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`Temporal dev server ${exited}${logReasonAfter(logFile, logStart)}; see ${logFile}`);
    try {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      await c.workflowService.getSystemInfo({});
      await c.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Temporal dev server did not answer on ${address} within 60 s; see ${logFile}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    address,
    uiUrl: `http://localhost:${opts.uiPort}`,
    port: opts.port,
    uiPort: opts.uiPort,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          log.end();
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A dev server on ports `pick` chooses (tests, benches), started again on new ones when one was
 * taken between the pick and the server's bind: another process (the CLI picks free ports for its
 * own services too) can take a port in that moment, and the run would fail for nothing.
 */
export async function startDevServerOnFreePorts(opts: { dataDir: string; namespace: string }, pick: () => Promise<number>, attempts = 3): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServer({ ...opts, port: await pick(), uiPort: await pick() });
    } catch (e) {
      if (attempt >= attempts || !/is already in use/.test((e as Error).message)) throw e;
    }
  }
}

/** The first "address already in use" the server logged in this run, as ": <address> is in use". */
function logReasonAfter(file: string, from: number): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').slice(from);
  } catch {
    return '';
  }
  const m = /listen tcp ([\d.:[\]a-f]+): bind: address already in use/i.exec(text);
  return m ? `: ${m[1]} is already in use (port ${m[1].split(':').pop()})` : '';
}

/**
 * Last resort when no CLI is installed: the SDK downloads one (needs internet). Offline this fails
 * with the SDK's download error, which is why the set-up installs the CLI from PyPI or Go.
 */
async function startDownloadedDevServer(opts: { port: number; uiPort: number; dataDir: string; namespace: string }): Promise<DevServer> {
  console.warn('Temporal CLI not found in .tools/bin or PATH: letting the SDK download one (run `npm run setup` to avoid this)');
  const env = await TestWorkflowEnvironment.createLocal({
    server: { ip: '127.0.0.1', port: opts.port, ui: true, uiPort: opts.uiPort, dbFilename: path.join(opts.dataDir, 'temporal.db'), namespace: opts.namespace, searchAttributes: SEARCH_ATTRIBUTE_KEYS },
  }).catch((e: Error) => {
    throw new Error(`Temporal CLI not found and the SDK could not download one (${e.message}): run \`npm run setup\`, or set TEMPORAL_CLI_PATH or TEMPORAL_ADDRESS`);
  });
  return { address: env.address, uiUrl: `http://localhost:${opts.uiPort}`, port: opts.port, uiPort: opts.uiPort, stop: () => env.teardown() };
}
