// What every bench prints and keeps: command-line numbers, CPU seconds per process (where the time
// goes), and bench/results/<name>.json with the machine's core count.
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { cpus, loadavg } from 'os';
import path from 'path';

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

/** CPU seconds each named process spent between two calls of the returned function. */
export function cpuMeter(pids: Record<string, number | undefined>): () => Record<string, number> {
  const start = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, p ? cpuSeconds(p) : 0]));
  return () => Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, Math.round(((p ? cpuSeconds(p) : 0) - start[k]) * 100) / 100]));
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
