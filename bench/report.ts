// What every bench prints and keeps: command-line numbers, CPU seconds per process (where the time
// goes), and bench/results/<name>.json with the machine's core count.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { cpus, loadavg } from 'os';
import path from 'path';
import pg from 'pg';

export const numberArg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name}: expected a positive number, got ${process.argv[i + 1]}`);
  return v;
};

/** The machine, with its 1-minute load average when the figures were written (the machine is shared). */
export const machine = (): { cores: number; cpu: string | undefined; node: string; loadAvg1m: number } => ({ cores: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadAvg1m: Math.round(loadavg()[0] * 10) / 10 });

/** User + system CPU seconds a process has used so far (Linux /proc; 100 ticks per second). */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds of a server that works in child processes (PostgreSQL: the postmaster and one backend
 * per connection): its own, its exited children's (reaped into its cutime/cstime) and its live
 * children's, so a backend that ends between two readings is counted once.
 */
export function treeCpuSeconds(pid: number): number {
  const stat = (p: number | string): string[] | undefined => {
    try {
      return readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
    } catch {
      return undefined;
    }
  };
  const own = stat(pid);
  if (!own) return 0;
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = stat(entry);
    if (f && Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / 100;
}

/** A process to meter: a pid, or `{ tree: pid }` for a server with worker children (treeCpuSeconds). */
export type Metered = number | { tree: number } | undefined;
const cpuOf = (m: Metered): number => (m === undefined ? 0 : typeof m === 'number' ? cpuSeconds(m) : treeCpuSeconds(m.tree));

/** CPU seconds each named process spent between two calls of the returned function. */
export function cpuMeter(pids: Record<string, Metered>): () => Record<string, number> {
  const start = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuOf(p)]));
  return () => Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, Math.round((cpuOf(p) - start[k]) * 100) / 100]));
}

/** The postmaster's pid of the PostgreSQL server behind `url` (first line of its postmaster.pid; we run on the same machine). */
export async function postmasterPid(url: string): Promise<number | undefined> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const dir = (await c.query<{ data_directory: string }>('SHOW data_directory')).rows[0]?.data_directory;
    const pid = dir ? Number(readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]) : NaN;
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined; // not a superuser, or another machine: the figures then leave the database out (said by the caller)
  } finally {
    await c.end();
  }
}

export function writeResult(name: string, result: Record<string, unknown>): string {
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ machine: machine(), measuredAt: new Date().toISOString(), ...result }, null, 2)}\n`);
  return file;
}

/** Runs fn for 0..n-1 with at most `width` in flight. */
export async function pool(n: number, width: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => {
    while (next < n) await fn(next++);
  }));
}
