// Makes the database ready before anything uses it: it must be PostgreSQL and answer, and its
// migrations (prisma/migrations) are applied by Prisma's own `migrate deploy` when some are not yet.
// Any failure is one line saying what is wrong, not a driver's stack trace.
import { execFile } from 'child_process';
import { existsSync, readdirSync } from 'fs';
import path from 'path';
import pg from 'pg';
import { promisify } from 'util';
import { isPostgresUrl } from './db';

// The repository (or image) root: one level up from worker/ under tsx, two from dist/worker/ compiled.
const root = [path.join(__dirname, '..'), path.join(__dirname, '..', '..')].find((d) => existsSync(path.join(d, 'prisma', 'migrations'))) ?? path.join(__dirname, '..');
const MIGRATIONS = path.join(root, 'prisma', 'migrations');

export class DatabaseError extends Error {}

/** The URL without its password, for messages. */
export const redactUrl = (url: string): string => url.replace(/:[^:@/]+@/, ':***@');

/** Applies the migrations with `prisma migrate deploy`; its own message when that fails. */
export async function migrateDeploy(url: string): Promise<void> {
  try {
    await promisify(execFile)(process.execPath, [path.join(root, 'node_modules/prisma/build/index.js'), 'migrate', 'deploy', '--config', path.join(root, 'prisma/prisma.config.ts')], {
      cwd: root,
      // No update check: it would wait on the network.
      env: { ...process.env, DATABASE_URL: url, CHECKPOINT_DISABLE: '1' },
    });
  } catch (e) {
    const out = `${(e as { stdout?: string }).stdout ?? ''}\n${(e as { stderr?: string }).stderr ?? ''}`;
    const why = out.split('\n').map((l) => l.trim()).filter((l) => /^(Error|P\d{4}|Migration|A migration)/.test(l)).join(' ') || (e as Error).message;
    throw new DatabaseError(`migrations could not be applied to ${redactUrl(url)}: ${why}`);
  }
}

/** Names of the migrations in prisma/migrations that `url` has not applied yet. */
async function pendingMigrations(c: pg.Client): Promise<string[]> {
  const all = readdirSync(MIGRATIONS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  const table = await c.query(`SELECT to_regclass('"_prisma_migrations"') AS t`);
  if (!table.rows[0].t) return all;
  const done = await c.query<{ migration_name: string }>(`SELECT "migration_name" FROM "_prisma_migrations" WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`);
  const applied = new Set(done.rows.map((r) => r.migration_name));
  return all.filter((m) => !applied.has(m));
}

/** Checks that `url` is a PostgreSQL database that answers, then brings its schema up to date. */
export async function prepareDatabase(url: string): Promise<void> {
  if (!isPostgresUrl(url)) throw new DatabaseError(`DATABASE_URL must be a postgresql:// URL (PostgreSQL), got "${url.split(':')[0]}:..."`);
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  let pending: string[];
  try {
    await c.connect();
    pending = await pendingMigrations(c);
  } catch (e) {
    const err = e as Error & { code?: string };
    throw new DatabaseError(`database ${redactUrl(url)} does not answer: ${err.message || err.code}`);
  } finally {
    await c.end().catch(() => undefined);
  }
  if (pending.length) await migrateDeploy(url);
}
