// The HTTP API in a process of its own, as in production, for the benchmarks that send real HTTP on
// 127.0.0.1 (bench/intake.ts, bench/latency.ts). DNS is answered by a stand-in (this machine is
// offline; answers are cached per domain in production too). The child prints "port <n>".
import { Client, Connection } from '@temporalio/client';
import { spawn } from 'child_process';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { createPrisma } from '../domain/db';
import { useSuppressionKeys } from '../domain/mail/email-hash';
import { TEST_SUPPRESSION_SECRET } from '../test/helpers/db';
import { createIntakePlugin } from '../api/intake';
import { buildApi } from '../api/server';
import { loadConfig } from '../runtime/config';
import { createEmailVerifier } from '../domain/intake/email-verification';

async function serve(databaseUrl: string, address: string, taskQueue: string): Promise<void> {
  const connection = await Connection.connect({ address });
  const temporal = new Client({ connection });
  // The test databases' suppression key, which the bench workers get too: both sides hash an address alike.
  // The limits stay in the path (each request is still counted) but far above the bench's pace: every
  // request comes from 127.0.0.1 with one key, and the per-address default (1,200/min) is 20/s.
  const limits = { API_RATE_LIMIT_PER_MINUTE: '10000000', API_RATE_LIMIT_PER_IP_PER_MINUTE: '10000000' };
  const config = loadConfig({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'leadflow-bench-api-')), DATABASE_URL: databaseUrl, TASK_QUEUE: taskQueue, LINK_SIGNING_SECRET: 'b'.repeat(40), SUPPRESSION_SECRET: TEST_SUPPRESSION_SECRET, ...limits });
  const db = useSuppressionKeys(createPrisma(databaseUrl), config.SUPPRESSION_SECRET);
  const verifier = createEmailVerifier({ resolver: { resolveMx: async (d) => [{ exchange: `mx.${d}`, priority: 10 }], resolve4: async () => [], resolve6: async () => [] } });
  const api = await buildApi({ db, temporal, config }, [createIntakePlugin({ verifier })]);
  await api.listen({ host: '127.0.0.1', port: 0 });
  console.log(`port ${(api.server.address() as { port: number }).port}`);
  process.on('SIGTERM', () => void api.close().then(() => db.$disconnect()).then(() => connection.close()).then(() => process.exit(0)));
}

export interface ApiProcess {
  port: number;
  pid: number;
  stop(): void;
}

export async function startApiProcess(databaseUrl: string, address: string, taskQueue: string): Promise<ApiProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, databaseUrl, address, taskQueue], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`API process exited ${c}`)));
    child.stdout!.on('data', (d: Buffer) => {
      const m = /port (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    });
  });
  return { port, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

if (require.main === module) {
  const [databaseUrl, address, taskQueue] = process.argv.slice(2);
  void serve(databaseUrl, address, taskQueue);
}
