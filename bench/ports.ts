// Ports for what a bench starts (dev server, UI, sink): BENCH_PORTS=7800-7899 keeps them in a range
// of their own on a machine shared with other jobs; unset, any free port.
import { createServer } from 'net';
import { freePort } from '../test/helpers/ports';

const taken = new Set<number>();

const listens = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

export async function benchPort(): Promise<number> {
  const range = /^(\d+)-(\d+)$/.exec(process.env.BENCH_PORTS ?? '');
  if (!range) return freePort();
  const [lo, hi] = [Number(range[1]), Number(range[2])];
  // Random start: two benches in the same range rarely probe the same port at the same moment.
  const start = lo + Math.floor(Math.random() * (hi - lo + 1));
  for (let k = 0; k <= hi - lo; k++) {
    const p = lo + ((start - lo + k) % (hi - lo + 1));
    if (!taken.has(p) && (await listens(p))) {
      taken.add(p);
      return p;
    }
  }
  throw new Error(`BENCH_PORTS=${process.env.BENCH_PORTS}: no free port in the range`);
}
