// A port another process already holds is named with the role that wanted it and, on Linux, the
// process holding it: "port 7233 (Temporal dev server, TEMPORAL_PORT) is in use by pid 4242 (...)".
import { readFileSync, readdirSync, readlinkSync } from 'fs';
import { createServer } from 'net';

export class PortInUseError extends Error {}

export interface PortUse {
  port: number;
  /** What wanted it, e.g. "HTTP API". */
  role: string;
  /** The variable that moves it, e.g. "API_PORT". */
  variable: string;
  /** Where it is bound; 127.0.0.1 unless given. */
  host?: string;
}

export function portInUse(use: PortUse): PortInUseError {
  const holder = portHolder(use.port);
  return new PortInUseError(`port ${use.port} (${use.role}) is already in use${holder ? ` by ${holder}` : ''}: stop that process or set ${use.variable} to a free port`);
}

/** Fails on the first port of `uses` that cannot be bound, before anything is started. */
export async function assertPortsFree(uses: PortUse[]): Promise<void> {
  for (const use of uses) {
    const host = use.host ?? '127.0.0.1';
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen({ port: use.port, host, exclusive: true }, () => s.close(() => resolve(true)));
    });
    if (!free) throw portInUse(use);
  }
}

export const isAddressInUse = (e: unknown): boolean => (e as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';

/** "pid N (command line)" of the process listening on `port`, from /proc; undefined where unknown. */
export function portHolder(port: number): string | undefined {
  try {
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        // local_address is ADDR:PORT in hex; state 0A is LISTEN; field 9 is the socket's inode.
        if (f[1]?.endsWith(`:${hex}`) && f[3] === '0A') inodes.add(f[9]);
      }
    }
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let link: string;
        try {
          link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
        if (inode && inodes.has(inode)) {
          const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
          return `pid ${pid} (${cmd.length > 80 ? `${cmd.slice(0, 77)}...` : cmd})`;
        }
      }
    }
  } catch {
    // not Linux, or /proc unreadable: the port and role still say enough
  }
  return undefined;
}
