// The hot paths' plain SQL (the email ledger, the lead store): written once with `?` parameters,
// run through Prisma's raw queries on PostgreSQL, or on a SQLite file by better-sqlite3 (statements
// prepared once), arranged so the event loop does as little database work as possible: reads run on
// it (they are cheap); writes run in a thread of their own, group-committed; WAL checkpoints run in
// another thread. PostgreSQL does that work in its server process; this gives SQLite the same shape.
// Through Prisma's JS engine each query costs ~0.2-0.4 ms of CPU; here a small fraction of that.
import Database from 'better-sqlite3';
import path from 'path';
import { Worker } from 'worker_threads';
import { Prisma, dialectOf, isSqlite, type Db } from './db';

export interface SqlStatement {
  sql: string;
  params: unknown[];
}

/** Runs plain SQL: `?` parameters, rows as plain objects, writes return the changed count. */
export interface SqlRunner {
  /** For the little SQL that differs (PostgreSQL casts text to jsonb, SQLite stores it as is). */
  dialect: 'sqlite' | 'postgres';
  all<T>(sql: string, params: unknown[]): Promise<T[]>;
  run(sql: string, params: unknown[]): Promise<number>;
  /** Several writes as one unit: all of them or none. */
  runAll(statements: SqlStatement[]): Promise<void>;
  close(): void;
}

/** Prisma's SQLite text format for DateTime ("2027-03-10T11:00:00.000+00:00"): orderable, and Prisma reads it back. */
const sqliteDate = (d: Date): string => d.toISOString().replace('Z', '+00:00');
const bind = (params: unknown[]): unknown[] => params.map((p) => (p instanceof Date ? sqliteDate(p) : p));

type Outcome = { changes: number } | { error: { message: string; code?: string } };

// The writer thread (plain JS: it runs outside any TypeScript loader). Group commit: a commit costs
// far more than the statements in it (WAL frames for every touched page), so the writes that arrive
// during one turn of the thread's event loop (a send's `sent` mark and the next sends' claims)
// commit in one transaction. Each write settles only after that commit, so a claim is durable
// before its SMTP traffic starts. A statement that fails (say a constraint) fails alone, a unit
// (runAll) in a savepoint of its own fails whole; a failed commit fails them all. IMMEDIATE takes
// the write lock up front (waiting out the busy timeout).
// Checkpoints are left to the checkpointer thread.
const WRITER = `
  const { parentPort, workerData } = require('worker_threads');
  const Database = require(workerData.module);
  const conn = new Database(workerData.file, { timeout: 10000, fileMustExist: true });
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  conn.pragma('wal_autocheckpoint = 0');
  const statements = new Map();
  const prepared = (sql) => {
    let st = statements.get(sql);
    if (!st) statements.set(sql, (st = conn.prepare(sql)));
    return st;
  };
  const failure = (e) => ({ error: { message: String(e && e.message), code: e && e.code } });
  // Nested in the commit below, a better-sqlite3 transaction is a savepoint.
  const unit = conn.transaction((statements) => statements.reduce((n, s) => n + prepared(s.sql).run(...s.params).changes, 0));
  const commit = conn.transaction((batch) => batch.map((w) => {
    try { return { id: w.id, changes: w.unit ? unit(w.unit) : prepared(w.sql).run(...w.params).changes }; } catch (e) { return { id: w.id, ...failure(e) }; }
  }));
  let queue = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    let outcomes;
    try { outcomes = commit.immediate(batch); } catch (e) { outcomes = batch.map((w) => ({ id: w.id, ...failure(e) })); }
    parentPort.postMessage(outcomes);
  };
  parentPort.on('message', (m) => {
    if (m === 'stop') return setImmediate(() => { conn.close(); parentPort.close(); });
    if (queue.push(m) === 1) setImmediate(flush);
  });
`;

// The checkpointer thread: PASSIVE checkpoints every CHECKPOINT_MS wait for nobody, so commits go on
// meanwhile; a checkpoint copies pages back and fsyncs twice, which on the event loop had stalled
// every send in flight for up to tens of ms. Durability is unchanged: the same checkpoints, elsewhere.
const CHECKPOINT_MS = 200;
const CHECKPOINTER = `
  const { parentPort, workerData } = require('worker_threads');
  const Database = require(workerData.module);
  const conn = new Database(workerData.file, { timeout: 10000, fileMustExist: true });
  conn.pragma('synchronous = NORMAL');
  const timer = setInterval(() => conn.pragma('wal_checkpoint(PASSIVE)'), workerData.everyMs);
  parentPort.on('message', () => { clearInterval(timer); conn.pragma('wal_checkpoint(PASSIVE)'); conn.close(); parentPort.close(); });
`;

const thread = (source: string, workerData: object): Worker => {
  const w = new Worker(source, { eval: true, workerData: { module: require.resolve('better-sqlite3'), ...workerData } });
  w.unref();
  return w;
};

export function sqliteRunner(file: string): SqlRunner {
  // Same pragmas as activities/db.ts; the busy timeout makes the connections wait for each other.
  const conn = new Database(file, { timeout: 10_000 });
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  // Only the checkpointer checkpoints; if its thread fails, SQLite's own (on commit) comes back.
  conn.pragma('wal_autocheckpoint = 0');
  let stopping = false;
  const checkpointer = thread(CHECKPOINTER, { file, everyMs: CHECKPOINT_MS });
  checkpointer.on('error', () => {
    if (!stopping && conn.open) conn.pragma('wal_autocheckpoint = 1000');
  });
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string): Database.Statement => {
    let st = statements.get(sql);
    if (!st) statements.set(sql, (st = conn.prepare(sql)));
    return st;
  };

  type Waiter = { resolve(changes: number): void; reject(e: Error): void };
  const pending = new Map<number, Waiter>();
  let nextId = 0;
  // If the writer thread fails, writes run here, one commit each (SQLite's plain way).
  let direct = false;
  const writer = thread(WRITER, { file });
  writer.on('message', (outcomes: (Outcome & { id: number })[]) => {
    for (const o of outcomes) {
      const w = pending.get(o.id);
      pending.delete(o.id);
      if (!w) continue;
      if ('changes' in o) w.resolve(o.changes);
      else w.reject(Object.assign(new Error(o.error.message), { code: o.error.code }));
    }
    if (pending.size === 0) writer.unref();
  });
  writer.on('error', (e) => {
    // Whether these committed is unknown: they fail, and the activity's retry reads the ledger again.
    for (const w of pending.values()) w.reject(e);
    pending.clear();
    direct = true;
  });

  const unit = conn.transaction((statements: SqlStatement[]) => statements.reduce((n, st) => n + prepared(st.sql).run(...st.params).changes, 0));
  const write = (message: { sql: string; params: unknown[] } | { unit: SqlStatement[] }): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      const id = nextId++;
      // While a write is out, the thread keeps the process alive to hear back.
      if (pending.size === 0) writer.ref();
      pending.set(id, { resolve, reject });
      writer.postMessage({ id, ...message });
    });

  return {
    dialect: 'sqlite',
    all: async <T>(sql: string, params: unknown[]) => prepared(sql).all(...bind(params)) as T[],
    run: async (sql, params) => (direct ? prepared(sql).run(...bind(params)).changes : write({ sql, params: bind(params) })),
    runAll: async (statements) => {
      const bound = statements.map((st) => ({ sql: st.sql, params: bind(st.params) }));
      if (direct) unit(bound);
      else await write({ unit: bound });
    },
    close: () => {
      stopping = true;
      writer.postMessage('stop');
      checkpointer.postMessage('stop');
      conn.close();
    },
  };
}

function prismaRunner(db: Db): SqlRunner {
  // Prisma.Sql from the `?`-split text: Prisma then writes each provider's own placeholders.
  const query = (sql: string, params: unknown[]): Prisma.Sql => new Prisma.Sql(sql.split('?'), params);
  return {
    dialect: dialectOf(db),
    all: <T>(sql: string, params: unknown[]) => db.$queryRaw<T[]>(query(sql, params)),
    run: (sql, params) => db.$executeRaw(query(sql, params)),
    runAll: async (statements) => {
      await db.$transaction(statements.map((st) => db.$executeRaw(query(st.sql, st.params))));
    },
    close: () => undefined,
  };
}

/**
 * The runner for `db`: with `databaseUrl` a SQLite file URL, a better-sqlite3 connection of its own
 * to that file (one per process: share it); otherwise Prisma's raw queries on `db`.
 */
export function sqlRunner(db: Db, databaseUrl?: string): SqlRunner {
  return databaseUrl && isSqlite(databaseUrl) ? sqliteRunner(path.resolve(databaseUrl.slice('file:'.length))) : prismaRunner(db);
}
