import { createServer } from 'net';

/** Ports this process has handed out: the OS may offer a just-closed port again at once. */
const given = new Set<number>();

const probe = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });

/**
 * A TCP port free on 127.0.0.1 right now, and not one this process handed out before: two calls in a
 * row (a dev server's port and its UI port) once got the same port, and the server failed with
 * "already in use".
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const p = await probe();
    if (given.has(p)) continue;
    given.add(p);
    return p;
  }
}
