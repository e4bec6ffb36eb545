// One database handle per process: Prisma (the ORM, for CRUD) on a pg pool, and the same pool for
// the few statements written as SQL (domain/sql.ts: the mail ledger, the lead store, the KPI
// report). PostgreSQL only: embedded for `npm start` and the tests (dev/embedded-postgres.ts).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Prisma, PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient;
export { Prisma };

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

// Prisma stores DateTime as `timestamp(3)` (no time zone) holding UTC; pg would read it in the
// process's local zone. Counts (bigint) are read as numbers. Only queries sent through
// domain/sql.ts use these parsers: Prisma's adapter sets its own per query.
const TIMESTAMP = 1114;
const INT8 = 20;
const getTypeParser = ((oid: number, format?: 'text' | 'binary') => {
  if (oid === TIMESTAMP) return (v: string) => new Date(`${v.replace(' ', 'T')}Z`);
  if (oid === INT8) return (v: string) => Number(v);
  return pg.types.getTypeParser(oid, format);
}) as typeof pg.types.getTypeParser;

const pools = new WeakMap<Db, pg.Pool>();

/** Prisma on a pool of its own; `$disconnect()` ends the pool. */
export function createPrisma(url: string): Db {
  if (!isPostgresUrl(url)) throw new Error('DATABASE_URL must be a postgresql:// URL');
  const pool = new pg.Pool({ connectionString: url, types: { getTypeParser } });
  // An idle connection the server cut (restart, failover, database down) is dropped by the pool and
  // replaced on next use; unheard, its 'error' would end the process (Prisma listens only once it connected).
  pool.on('error', () => undefined);
  // An interactive transaction waits for a pooled connection up to 10 s (Prisma's default, 2 s,
  // fails bursts such as 50 hand-offs at once on a busy machine).
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }), transactionOptions: { maxWait: 10_000, timeout: 10_000 } });
  pools.set(db, pool);
  return db;
}

/** The pg pool under a handle made by createPrisma (for domain/sql.ts). */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('poolOf: not a handle made by createPrisma');
  return pool;
}

/** True for a unique-constraint violation (P2002). */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === 'P2002';
}
