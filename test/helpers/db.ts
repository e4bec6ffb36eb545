// Fresh, migrated PostgreSQL databases for tests and benches. One server per jest run
// (test/global-setup.ts: an embedded cluster, or LEADFLOW_TEST_DATABASE_URL's server), a template
// database migrated once by Prisma's own `migrate deploy`, and one database per test file copied
// from it (CREATE DATABASE ... TEMPLATE: a file copy, no migrations per file). Outside jest (benches,
// demos) the first createTestDb starts a cluster for the process; stopOwnTestServer ends it.
import { randomBytes } from 'crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import pg from 'pg';
import { createPrisma, type Db } from '../../domain/db';
import { useSuppressionKeys } from '../../domain/mail/email-hash';
import { migrateDeploy } from '../../domain/database';
import { startEmbeddedPostgres } from '../../dev/embedded-postgres';
import { freePort } from './ports';

export interface TestServer {
  /** Maintenance database of the server: where databases are created and dropped. */
  adminUrl: string;
  /** The migrated template database's name. */
  template: string;
  stop(): Promise<void>;
}

/** Where global-setup tells the test files about the server. */
const ENV_ADMIN = 'LEADFLOW_TEST_ADMIN_URL';
const ENV_TEMPLATE = 'LEADFLOW_TEST_TEMPLATE';

const withDatabase = (url: string, name: string): string => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

async function admin<T>(adminUrl: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

/**
 * A server with a migrated template: LEADFLOW_TEST_DATABASE_URL's server when set, else an embedded
 * cluster in a temporary folder. `durable: false` trades crash safety for speed (tests).
 */
export async function startTestServer(opts: { durable: boolean }): Promise<TestServer> {
  const template = `leadflow_template_${process.pid}`;
  const external = process.env.LEADFLOW_TEST_DATABASE_URL;
  let adminUrl: string;
  let stopServer: () => Promise<void>;
  if (external) {
    adminUrl = external;
    stopServer = async () => undefined;
  } else {
    // On tmpfs when there is one, like the benches' Temporal state (bench/stack.ts): a VM disk's
    // fsync would be what a bench measures. fsync stays on where `durable` says so.
    const dir = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'leadflow-pg-'));
    // As root the cluster runs as the postgres system user, which must reach this folder.
    chmodSync(dir, 0o755);
    const cluster = await startEmbeddedPostgres({ dir: path.join(dir, 'data'), port: await freePort(), database: 'postgres', logFile: path.join(dir, 'postgres.log'), durable: opts.durable });
    adminUrl = cluster.adminUrl;
    stopServer = async () => {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  await admin(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${template}`);
    await c.query(`CREATE DATABASE ${template}`);
  });
  await migrateDeploy(withDatabase(adminUrl, template));
  return {
    adminUrl,
    template,
    async stop() {
      if (external) await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`));
      await stopServer();
    },
  };
}

/** Tells the test files (this process's children) about the server. */
export function shareTestServer(s: TestServer): void {
  process.env[ENV_ADMIN] = s.adminUrl;
  process.env[ENV_TEMPLATE] = s.template;
}

let own: Promise<TestServer> | undefined;

async function server(): Promise<Pick<TestServer, 'adminUrl' | 'template'>> {
  const adminUrl = process.env[ENV_ADMIN];
  const template = process.env[ENV_TEMPLATE];
  if (adminUrl && template) return { adminUrl, template };
  // Benches measure what users run: a durable cluster.
  own ??= startTestServer({ durable: true });
  return own;
}

/** Stops the server createTestDb started for this process (outside jest), if it did. */
export async function stopOwnTestServer(): Promise<void> {
  const s = own;
  own = undefined;
  await (await s)?.stop();
}

export interface TestDb {
  db: Db;
  url: string;
  /**
   * Takes the database away (new connections refused, open ones cut) or gives it back: the
   * database-down chaos scenario.
   */
  setAvailable(available: boolean): Promise<void>;
  cleanup(): Promise<void>;
}

let made = 0;

/** The suppression key (SUPPRESSION_SECRET) of every test database handle, and of the processes a test starts on it. */
export const TEST_SUPPRESSION_SECRET = 't'.repeat(40);

/** A fresh database with every migration applied, and Prisma on it. */
export async function createTestDb(): Promise<TestDb> {
  const { adminUrl, template } = await server();
  // Random, not only counted: jest runs test files one after another in one worker process, each with
  // a fresh module (the counter starts again), so a file that failed before dropping its database
  // would make every later file's first database "already exist".
  const name = `leadflow_test_${process.pid}_${++made}_${randomBytes(4).toString('hex')}`;
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  const url = withDatabase(adminUrl, name);
  const db = useSuppressionKeys(createPrisma(url), TEST_SUPPRESSION_SECRET);
  return {
    db,
    url,
    setAvailable: (available) =>
      admin(adminUrl, async (c) => {
        await c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS ${available}`);
        if (!available) await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      }),
    async cleanup() {
      await db.$disconnect();
      await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
