// A PostgreSQL instance of the cluster run's own: Debian's server binaries (apt-get install postgresql),
// a fresh data folder, its own port, trust auth on loopback; removed at the end. Nothing is shared
// with a PostgreSQL already running on the machine.
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, readdirSync } from 'fs';
import path from 'path';
import pg from 'pg';

export interface Postgres {
  port: number;
  user: string;
  /** postgresql://user@127.0.0.1:port/<db> */
  url(db: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): void;
}

/** Debian installs server binaries under /usr/lib/postgresql/<major>/bin; the newest is taken. */
function binDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) {
    if (process.getuid?.() !== 0) throw new Error('PostgreSQL server binaries not found: apt-get install -y postgresql');
    console.log('[cluster] installing PostgreSQL (apt-get install -y postgresql)');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'postgresql'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    return binDir();
  }
  return path.join(base, versions[0], 'bin');
}

export async function startPostgres(dir: string, port: number): Promise<Postgres> {
  const bin = binDir();
  const data = path.join(dir, 'pgdata');
  mkdirSync(dir, { recursive: true });
  // initdb and the server refuse to run as root: as root, they run as Debian's `postgres` user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (exe: string, args: string[]): void => {
    const cmd = asRoot ? ['runuser', '-u', 'postgres', '--', path.join(bin, exe), ...args] : [path.join(bin, exe), ...args];
    execFileSync(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
  };
  const user = 'leadflow';
  run('initdb', ['-D', data, '-U', user, '--auth=trust', '-E', 'UTF8', '--locale=C']);
  run('pg_ctl', ['-D', data, '-l', path.join(dir, 'postgres.log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300`, 'start']);
  const url = (db: string): string => `postgresql://${user}@127.0.0.1:${port}/${db}`;
  return {
    port,
    user,
    url,
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: url('postgres') });
      await c.connect();
      await c.query(`CREATE DATABASE ${name}`);
      await c.end();
    },
    stop() {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
  };
}
