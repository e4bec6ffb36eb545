// The few statements written as SQL (the mail ledger, the lead store, the KPI report), sent through
// pg on the pool Prisma uses (domain/db.ts), with PostgreSQL's own $1 parameters. Chosen over
// Prisma's raw queries (and TypedSQL, which runs through the same engine) because each of those
// costs the query engine's work on the event loop for every statement; see README "Database".
import { poolOf, type Db } from './db';

export interface Sql {
  /** The rows of one statement. */
  rows<T>(text: string, values: readonly unknown[]): Promise<T[]>;
  /** The number of rows one statement changed. */
  count(text: string, values: readonly unknown[]): Promise<number>;
}

// pg sends a Date in the process's local zone; the columns hold UTC (`timestamp(3)`).
const param = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : Array.isArray(v) ? v.map(param) : v);

/** SQL on the pool under `db`. */
export function sqlOf(db: Db): Sql {
  const pool = poolOf(db);
  const query = (text: string, values: readonly unknown[]) => pool.query(text, values.map(param));
  return {
    rows: async <T>(text: string, values: readonly unknown[]) => (await query(text, values)).rows as T[],
    count: async (text, values) => (await query(text, values)).rowCount ?? 0,
  };
}
