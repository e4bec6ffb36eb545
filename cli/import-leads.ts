// `npm run import-leads -- <file.csv> [--channel import] [--campaign <id>] [--batch 50]`
// Imports a CSV list through the intake core (see domain/intake/lead-import.ts for the rules and columns).
// Exit code 0: all rows fine; 1: some rows were bad (the good ones are in); 2: nothing imported.
import { Client, Connection } from '@temporalio/client';
import { SingleBar, Presets } from 'cli-progress';
import { readFileSync } from 'fs';
import { parseArgs } from 'util';
import { createPrisma } from '../domain/db';
import { useSuppressionKeys } from '../domain/mail/email-hash';
import { loadConfig } from '../runtime/config';
import { runCli, usageError } from './common';
import { createEmailVerifier } from '../domain/intake/email-verification';
import { ImportFileError, importLeads } from '../domain/intake/lead-import';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { channel: { type: 'string', default: 'import' }, campaign: { type: 'string' }, batch: { type: 'string', default: '50' } },
  });
  const file = positionals[0];
  const batchSize = Number(values.batch);
  if (!file || positionals.length > 1) return usage('exactly one CSV file');
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) return usage('--batch: an integer 1-1000');
  let csv: Buffer;
  try {
    csv = readFileSync(file);
  } catch (e) {
    console.error(`${file}: ${(e as Error).message}`);
    return 2;
  }
  const config = loadConfig();
  const db = useSuppressionKeys(createPrisma(config.DATABASE_URL), config.SUPPRESSION_SECRET);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}` });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const bar = new SingleBar({ format: 'importing [{bar}] {value}/{total} rows | {eta_formatted} left', stream: process.stderr }, Presets.shades_classic);
  try {
    const s = await importLeads({ db, temporal, taskQueue: config.TASK_QUEUE, verifier: createEmailVerifier() }, csv, {
      channel: values.channel,
      ...(values.campaign ? { campaign: values.campaign } : {}),
      batchSize,
      onProgress: (done, total) => (done === 0 ? bar.start(total, 0) : bar.update(done)),
    });
    bar.stop();
    for (const b of s.bad) console.error(`line ${b.line}: ${b.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    for (const x of s.suppressed) console.error(`line ${x.line}: ${x.email} is suppressed (unsubscribed, bounced or erased): skipped`);
    console.log(`${file}: ${s.rows} rows; ${s.created} new leads, ${s.merged} merged into known leads, ${s.suppressed.length} suppressed, ${s.bad.length} bad; ${(s.ms / 1000).toFixed(1)} s`);
    return s.bad.length ? (s.created + s.merged ? 1 : 2) : 0;
  } catch (e) {
    bar.stop();
    if (e instanceof ImportFileError) {
      console.error(`${file}: ${e.message}`);
      return 2;
    }
    throw e;
  } finally {
    await db.$disconnect();
    await connection.close();
  }
}

const usage = (problem: string): number => usageError(problem, 'usage: npm run import-leads -- <file.csv> [--channel import] [--campaign <id>] [--batch 50]');

runCli(main);
