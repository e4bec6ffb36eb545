// Fresh, migrated databases for tests. Migrations are applied by Prisma itself (migrate deploy),
// once per jest worker for SQLite (then the file is copied), once per call for PostgreSQL.
import { execFileSync } from 'child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import pg from 'pg';
import { createPrisma, type Db } from '../../activities/db';

const root = join(__dirname, '../..');

export function migrate(url: string): void {
  execFileSync(process.execPath, [join(root, 'node_modules/prisma/build/index.js'), 'migrate', 'deploy', '--config', join(root, 'prisma/prisma.config.ts')], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url },
    stdio: 'pipe',
  });
}

export interface TestDb {
  db: Db;
  url: string;
  cleanup(): Promise<void>;
}

let template: string | undefined;

export async function createTestDb(): Promise<TestDb> {
  if (!template) {
    const dir = mkdtempSync(join(tmpdir(), 'leadflow-template-'));
    template = join(dir, 'template.db');
    migrate(`file:${template}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'leadflow-db-'));
  const file = join(dir, 'test.db');
  copyFileSync(template, file);
  return open(`file:${file}`, async () => rmSync(dir, { recursive: true, force: true }));
}

function open(url: string, dispose: () => Promise<void>): TestDb {
  const db = createPrisma(url);
  return {
    db,
    url,
    async cleanup() {
      await db.$disconnect();
      await dispose();
    },
  };
}

/** A fresh PostgreSQL database on LEADFLOW_TEST_DATABASE_URL's server, or null when it is unset. */
export async function createPgTestDb(): Promise<TestDb | null> {
  const base = process.env.LEADFLOW_TEST_DATABASE_URL;
  if (!base) return null;
  const name = `leadflow_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  migrate(u.toString());
  return open(u.toString(), async () => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });
}

/**
 * `test` where the database `open` gives can exist here, `test.skip` otherwise: PostgreSQL tests
 * run where LEADFLOW_TEST_DATABASE_URL is set (.ci/run sets it) and are reported as skipped, never
 * as passed, elsewhere.
 */
export function testWith(open: () => Promise<TestDb | null>): typeof test {
  if (open === createPgTestDb && !process.env.LEADFLOW_TEST_DATABASE_URL) {
    console.warn('PostgreSQL tests skipped: LEADFLOW_TEST_DATABASE_URL is not set (.ci/run sets it)');
    return test.skip;
  }
  return test;
}

/** The database a suite opened; a missing one where the suite runs is an error, not a pass. */
export function opened(t: TestDb | null): TestDb {
  if (!t) throw new Error('no test database (LEADFLOW_TEST_DATABASE_URL)');
  return t;
}
