// One database handle for the whole process, SQLite or PostgreSQL by DATABASE_URL. Both generated
// clients come from the same models (prisma/models.prisma), so the SQLite client's type stands
// for both: `Db`.
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import path from 'node:path';
import { PrismaClient as PgClient } from '../generated/prisma-postgres/client';
import { Prisma, PrismaClient as SqliteClient } from '../generated/prisma-sqlite/client';

export type Db = SqliteClient;
export { Prisma };

export const isPostgres = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);
export const isSqlite = (url: string): boolean => url.startsWith('file:');

export function defaultDatabaseUrl(dataDir = process.env.DATA_DIR ?? path.join(__dirname, '..', '.data')): string {
  return `file:${path.join(path.resolve(dataDir), 'leadflow.db')}`;
}

const dialects = new WeakMap<Db, 'sqlite' | 'postgres'>();
/** Which SQL a handle made by createPrisma speaks (for the few queries written as plain SQL). */
export function dialectOf(db: Db): 'sqlite' | 'postgres' {
  const d = dialects.get(db);
  if (!d) throw new Error('dialectOf: not a handle made by createPrisma');
  return d;
}

export function createPrisma(url: string = process.env.DATABASE_URL ?? defaultDatabaseUrl()): Db {
  if (isPostgres(url)) {
    const pg = new PgClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as Db;
    dialects.set(pg, 'postgres');
    return pg;
  }
  if (!isSqlite(url)) throw new Error(`DATABASE_URL must start with file: or postgresql://`);
  // The busy timeout makes concurrent writers wait instead of failing with SQLITE_BUSY. WAL lets the
  // API read while activities write; with WAL, synchronous=NORMAL is durable across process crashes
  // (not power loss) and saves an fsync per commit. Both are set per connection, before any query.
  const file = path.resolve(url.slice('file:'.length));
  const adapter = new PrismaBetterSQLite3({ url: file, timeout: 10_000 });
  const connect = adapter.connect.bind(adapter);
  adapter.connect = async () => {
    const conn = await connect();
    await conn.executeScript('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    return conn;
  };
  const db = new SqliteClient({ adapter });
  dialects.set(db, 'sqlite');
  return db;
}

/** True for a unique-constraint violation (P2002), on either provider. */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === 'P2002';
}
