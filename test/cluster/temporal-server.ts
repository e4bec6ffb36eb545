// The real Temporal server (not the CLI's dev server), built from the Go module proxy and run on
// PostgreSQL: persistence and visibility databases set up with Temporal's own SQL tool, every port
// of every service (frontend, history, matching, worker, membership, HTTP, pprof, metrics) moved to
// `base + offset`, so the run clashes with no Temporal already running on the defaults.
import { Connection } from '@temporalio/client';
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import path from 'path';
import { parse, stringify } from 'yaml';
import type { Postgres } from './postgres';

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const MODULE = 'go.temporal.io/server';
const root = path.join(__dirname, '..', '..');
/** go install's GOBIN: the binaries stay between runs (git-ignored .tools/). */
const GOBIN = path.join(root, '.tools', 'go', 'bin');

/** Builds `server` and the SQL tool once (about 6 min on 2 cores), then reuses them. */
export function ensureBinaries(): { server: string; sql: string; moduleDir: string } {
  const env = { ...process.env, GOBIN };
  const stamp = path.join(GOBIN, `.temporal-${TEMPORAL_SERVER_VERSION}`);
  for (const [name, pkg] of [['server', 'cmd/server'], ['sql', 'cmd/tools/sql']] as const) {
    if (existsSync(path.join(GOBIN, name)) && existsSync(stamp)) continue;
    console.log(`[cluster] go install ${MODULE}/${pkg}@${TEMPORAL_SERVER_VERSION} (first run only; minutes)`);
    const t = Date.now();
    execFileSync('nice', ['go', 'install', `${MODULE}/${pkg}@${TEMPORAL_SERVER_VERSION}`], { env, stdio: 'inherit' });
    console.log(`[cluster]   built ${name} in ${Math.round((Date.now() - t) / 1000)} s`);
  }
  writeFileSync(stamp, '');
  const modCache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  return { server: path.join(GOBIN, 'server'), sql: path.join(GOBIN, 'sql'), moduleDir: path.join(modCache, `${MODULE}@${TEMPORAL_SERVER_VERSION}`) };
}

/** Creates the persistence and visibility databases and brings their schemas to the server's version. */
export function setupSchemas(tools: ReturnType<typeof ensureBinaries>, pgi: Postgres, dbs: { persistence: string; visibility: string }): void {
  const schemaDir = path.join(tools.moduleDir, 'schema', 'postgresql', 'v12');
  for (const [db, dir] of [[dbs.persistence, 'temporal'], [dbs.visibility, 'visibility']] as const) {
    const sql = (...args: string[]): void => {
      try {
        execFileSync(tools.sql, ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(pgi.port), '-u', pgi.user, '--db', db, ...args], { stdio: 'pipe' });
      } catch (e) {
        // The tool logs every statement; only a failure's output is worth showing.
        throw new Error(`temporal sql ${args[0]} on ${db} failed:\n${String((e as { stderr?: Buffer }).stderr ?? e).slice(-2000)}`, { cause: e });
      }
    };
    sql('create-database');
    sql('setup-schema', '-v', '0.0');
    sql('update-schema', '-d', path.join(schemaDir, dir, 'versioned'));
  }
}

export interface TemporalServer {
  address: string;
  process(): ChildProcess | undefined;
  start(): Promise<void>;
  /** Graceful stop (SIGTERM), SIGKILL after 20 s. */
  stop(): Promise<void>;
}

/** The module's development-postgres12.yaml with our databases, user and ports. */
function writeConfig(tools: ReturnType<typeof ensureBinaries>, dir: string, pgi: Postgres, dbs: { persistence: string; visibility: string }, base: number): void {
  const cfgDir = path.join(dir, 'config');
  mkdirSync(path.join(cfgDir, 'dynamicconfig'), { recursive: true });
  const config = parse(readFileSync(path.join(tools.moduleDir, 'config', 'development-postgres12.yaml'), 'utf8'));
  for (const [store, db] of [['postgres-default', dbs.persistence], ['postgres-visibility', dbs.visibility]] as const) {
    Object.assign(config.persistence.datastores[store].sql, { databaseName: db, connectAddr: `127.0.0.1:${pgi.port}`, user: pgi.user, password: '' });
  }
  // Visibility gets more than the sample's 2 connections: 2 workers and the bench count workflows.
  config.persistence.datastores['postgres-visibility'].sql.maxConns = 10;
  const offsets = { frontend: 0, history: 1, matching: 2, worker: 6 };
  // The cluster_membership table keeps the port in a smallint: membership ports stay below 32768.
  const membership = base + 110 < 32768 ? base + 100 : base - 20000 + 100;
  for (const [service, o] of Object.entries(offsets)) {
    Object.assign(config.services[service].rpc, { grpcPort: base + o, membershipPort: membership + o });
  }
  config.services.frontend.rpc.httpPort = base + 10;
  config.global.pprof.port = base + 3;
  config.global.metrics.prometheus.listenAddress = `127.0.0.1:${base + 67}`;
  config.clusterMetadata.clusterInformation.active.rpcAddress = `127.0.0.1:${base}`;
  const dyn = path.join(cfgDir, 'dynamicconfig', 'development-sql.yaml');
  copyFileSync(path.join(tools.moduleDir, 'config', 'dynamicconfig', 'development-sql.yaml'), dyn);
  config.dynamicConfigClient.filepath = dyn;
  writeFileSync(path.join(cfgDir, 'development.yaml'), stringify(config));
}

export function temporalServer(tools: ReturnType<typeof ensureBinaries>, dir: string, pgi: Postgres, dbs: { persistence: string; visibility: string }, base: number): TemporalServer {
  writeConfig(tools, dir, pgi, dbs, base);
  const address = `127.0.0.1:${base}`;
  let child: ChildProcess | undefined;
  const log = createWriteStream(path.join(dir, 'temporal-server.log'), { flags: 'a' });
  return {
    address,
    process: () => child,
    async start() {
      const c = spawn(tools.server, ['--root', dir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout?.pipe(log, { end: false });
      c.stderr?.pipe(log, { end: false });
      const deadline = Date.now() + 120_000;
      for (;;) {
        if (c.exitCode !== null) throw new Error(`Temporal server exited (${c.exitCode}); see ${path.join(dir, 'temporal-server.log')}`);
        try {
          const conn = await Connection.connect({ address, connectTimeout: 1000 });
          const r = await conn.healthService.check({});
          await conn.close();
          if (r.status === 1) return; // SERVING
        } catch {
          // not up yet
        }
        if (Date.now() > deadline) throw new Error(`Temporal server not SERVING on ${address} within 120 s; see ${path.join(dir, 'temporal-server.log')}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
        c.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        c.kill('SIGTERM');
      });
    },
  };
}
