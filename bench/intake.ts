// Intake benchmark (issue 8): leads ingested per second through the HTTP API (API key, zod
// validation, address check, suppression + dedup + lead row in PostgreSQL, signal-with-start) vs raw
// signal-with-start calls, against the same Temporal dev server in the same run, in alternating
// rounds so load from other processes hits both alike (target >= 70%).
// The API runs in a process of its own, as it would in production; the driver sends real HTTP on
// 127.0.0.1 with keep-alive. No workers poll the queue: both sides measure getting a lead in, not
// running it. DNS is answered by a stand-in (this machine is offline; answers are cached per domain
// in production too, and the leads use a handful of domains).
//   npx tsx bench/intake.ts [--leads 400] [--rounds 7] [--concurrency 16]
import { Client, Connection } from '@temporalio/client';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { cpus, loadavg, tmpdir } from 'os';
import path from 'path';
import { createApiKey } from '../api/auth';
import { startApiProcess } from './api-process';
import { startDevServerOnFreePorts } from '../dev/dev-server';
import { profileOf } from '../domain/intake/intake';
import { leadEventSignal } from '../workflows/lead/messages';
import { createTestDb, stopOwnTestServer } from '../test/helpers/db';
import { validLead } from '../test/intake.helpers';
import { benchPort } from './ports';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const LEADS = arg('leads', 400);
const ROUNDS = arg('rounds', 7);
const CONC = arg('concurrency', 16);
const DOMAINS = ['acme.test', 'beta.test', 'gamma.test', 'delta.test', 'epsilon.test'];
const TASK_QUEUE = 'bench-intake';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r1 = (x: number): number => Math.round(x * 10) / 10;

async function runConcurrent(n: number, fn: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      while (next < n) await fn(next++);
    }),
  );
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0];
  const dir = mkdtempSync(path.join(tmpdir(), 'leadflow-bench-intake-'));
  const dev = await startDevServerOnFreePorts({ dataDir: dir, namespace: 'default' }, benchPort);
  const t = await createTestDb();
  const { key } = await createApiKey(t.db, 'bench', ['intake']);
  const api = await startApiProcess(t.url, dev.address, TASK_QUEUE);
  const connection = await Connection.connect({ address: dev.address });
  const client = new Client({ connection });
  // A failing round (a 4xx/5xx from the API) still stops the API process, the database and the server.
  try {
    const base = `http://127.0.0.1:${api.port}`;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    // The intake tests' valid lead, with an address of its own per lead and the bench's campaign.
    const body = (id: string) =>
      JSON.stringify(validLead({ email: `lead-${id}@${DOMAINS[Number(id.replace(/\D/g, '')) % DOMAINS.length]}`, source: { channel: 'web_form', utm: { source: 'google', medium: 'cpc', campaign: 'bench' } } }));
    const viaApi = async (id: string): Promise<void> => {
      const res = await fetch(`${base}/leads`, { method: 'POST', headers, body: body(id) });
      if (res.status !== 201) throw new Error(`POST /leads: ${res.status} ${await res.text()}`);
    };
    // The same workflow start a new lead gets through the API, minus everything around it.
    const profile = profileOf({ email: 'x@acme.test', firstName: 'Ola', lastName: 'Nowak', company: 'Acme', companySize: 120, industry: 'software', jobTitle: 'Head of Marketing', phone: null, website: null, locale: 'pl', timezone: 'Europe/Warsaw', country: 'PL', source: 'web_form', campaignId: null, consentStatus: 'confirmed' });
    const raw = async (id: string): Promise<void> => {
      await client.workflow.signalWithStart('leadLifecycle', {
        workflowId: `lead-raw-${id}`,
        taskQueue: TASK_QUEUE,
        args: [{ leadId: `raw-${id}`, profile: { ...profile, email: `raw-${id}@acme.test` } }],
        signal: leadEventSignal,
        signalArgs: [{ id: `intake:web_form:raw-${id}@acme.test`, type: 'form_submitted', data: { source: 'web_form' } }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    };

    // Warm-up: JIT, connections, prepared statements, the first workflow starts.
    await runConcurrent(100, (i) => viaApi(`w${i}`));
    await runConcurrent(100, (i) => raw(`w${i}`));

    const apiPerSec: number[] = [];
    const rawPerSec: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order: ['api' | 'raw', (id: string) => Promise<void>][] = r % 2 ? [['raw', raw], ['api', viaApi]] : [['api', viaApi], ['raw', raw]];
      for (const [name, fn] of order) {
        const ms = await runConcurrent(LEADS, (i) => fn(`r${r}n${i}`));
        (name === 'api' ? apiPerSec : rawPerSec).push(r1((LEADS / ms) * 1000));
      }
      console.log(`round ${r + 1}/${ROUNDS}: API ${apiPerSec.at(-1)}/s, raw signal-with-start ${rawPerSec.at(-1)}/s`);
    }
    const leadsInDb = await t.db.lead.count();
    const ratios = apiPerSec.map((a, i) => a / rawPerSec[i]);
    const result = {
      measuredAt: new Date().toISOString(),
      machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, loadBefore: r1(loadBefore), loadAfter: r1(loadavg()[0]) },
      leadsPerRound: LEADS,
      rounds: ROUNDS,
      concurrency: CONC,
      apiPerSec,
      rawSignalWithStartPerSec: rawPerSec,
      medianApiPerSec: median(apiPerSec),
      medianRawPerSec: median(rawPerSec),
      ratio: Math.round((median(apiPerSec) / median(rawPerSec)) * 1000) / 1000,
      medianOfRoundRatios: Math.round(median(ratios) * 1000) / 1000,
      target: 0.7,
      leadsInDb,
      note: 'API in its own process, real HTTP on 127.0.0.1 (keep-alive); both sides start new lead workflows on the same dev server; no workers polling; DNS answered by a stand-in',
    };
    console.log(`\nintake: API ${result.medianApiPerSec} leads/s vs raw signal-with-start ${result.medianRawPerSec}/s: ratio ${result.ratio} (median of round ratios ${result.medianOfRoundRatios}), target ${result.target}`);
    mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    writeFileSync(path.join(__dirname, 'results', 'intake.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    api.stop();
    await connection.close();
    await t.cleanup();
    await stopOwnTestServer();
    await dev.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
