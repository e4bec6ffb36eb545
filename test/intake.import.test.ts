// CSV import against a real Temporal (time-skipping server): bad rows reported with line and field,
// good rows in, a second run changes nothing; the CLI's exit code and summary; the api-key CLI.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { execFile } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { promisify } from 'util';
import { hashApiKey } from '../api/auth';
import { createEmailVerifier } from '../domain/intake/email-verification';
import { ImportFileError, importLeads } from '../domain/intake/lead-import';
import { createTestDb, type TestDb } from './helpers/db';
import { createTimeSkippingEnv } from './helpers/temporal';
import { fakeResolver } from './intake.helpers';
import { fakeWorld } from './support/fake-activities';
import { settled, startWorkers } from './support/lead-harness';

let env: TestWorkflowEnvironment;
let t: TestDb;
const taskQueue = `intake-import-${process.pid}`;
const root = path.join(__dirname, '..');

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  t = await createTestDb();
  await t.db.campaign.create({ data: { id: 'fair-2026', name: 'Trade fair 2026', channel: 'event', spend: 5000 } });
}, 120_000);

afterAll(async () => {
  for (const l of (await t?.db.lead.findMany({ select: { workflowId: true } })) ?? []) await env.client.workflow.getHandle(l.workflowId).terminate('test cleanup').catch(() => undefined);
  await t?.cleanup();
  await env?.teardown();
});

const CSV = [
  'email,first_name,last_name,company,company_size,job_title,country,locale,timezone,channel,campaign,utm_source,utm_medium,consent_status,consent_text_version',
  'anna@acme.test,Anna,Kowalska,Acme,120,CEO,PL,pl,Europe/Warsaw,event,fair-2026,fair,offline,confirmed,fair-form-v1', // 2
  'not-an-address,Bob,,,,,,,,,,,,,', // 3: email
  'carl@beta.test,Carl,,Beta,lots,,,,,,,,,,', // 4: company_size
  'dora@gamma.test,,,Gamma,,,,,,,,,,,', // 5: first_name missing
  'ed@delta.test,Ed,,,,,,,,fax,,,,,', // 6: channel
  'fay@mailinator.com,Fay,,,,,,,,,,,,,', // 7: disposable
  'gus@eps.test,Gus,,,,,,,,,,,,', // 8: one column short
  '"hal@zeta.test",Hal,"O\'Brien, Jr.",Zeta,15,,IE,en,Europe/Dublin,,,,,pending,nl-v1', // 9 (quoted comma)
  'ivy@eta.test,Ivy,,,,,,,Mars/Base,,,,,,', // 10: timezone
  'Anna@Acme.test,Anna,,,,VP Sales,,,,,,,,,', // 11: same person as line 2
  'jo@theta.test,Jo,,,,,,,,,nope-campaign,,,,', // 12: unknown campaign
  '',
  'kim@iota.test,Kim,,,,,,,,,,,,maybe,v1', // 14: consent status
].join('\n');

const deps = () => ({ db: t.db, temporal: env.client, taskQueue, verifier: createEmailVerifier({ resolver: fakeResolver }) });

test('bad rows are reported with line numbers and fields; good rows imported; a re-run changes nothing', async () => {
  const progress: number[] = [];
  const first = await importLeads(deps(), CSV, { batchSize: 2, onProgress: (d) => progress.push(d) });
  expect(first.bad.map((b) => [b.line, b.errors[0].field])).toEqual([
    [3, 'email'],
    [4, 'companySize'],
    [5, 'firstName'],
    [6, 'source.channel'],
    [7, 'email'],
    [8, '(row)'],
    [10, 'timezone'],
    [12, 'campaign'],
    [14, 'consent.status'],
  ]);
  expect(first.bad.find((b) => b.line === 7)!.errors[0].message).toMatch(/disposable/);
  expect(first).toMatchObject({ rows: 12, created: 2, merged: 1, suppressed: [] });
  expect(progress.at(-1)).toBe(4);
  const anna = await t.db.lead.findUniqueOrThrow({ where: { email: 'anna@acme.test' } });
  expect(anna).toMatchObject({ source: 'event', campaignId: 'fair-2026', utm: { source: 'fair', medium: 'offline' }, consentStatus: 'confirmed', consentTextVersion: 'fair-form-v1', jobTitle: 'VP Sales' });
  expect(await t.db.lead.findUniqueOrThrow({ where: { email: 'hal@zeta.test' } })).toMatchObject({ lastName: "O'Brien, Jr.", source: 'import', consentStatus: 'pending' });
  const leads = await t.db.lead.findMany({ orderBy: { email: 'asc' } });

  const second = await importLeads(deps(), CSV, { batchSize: 50 });
  expect(second).toMatchObject({ created: 0, merged: 3 });
  expect(second.bad).toHaveLength(9);
  expect(await t.db.lead.findMany({ orderBy: { email: 'asc' } })).toEqual(leads.map((l) => ({ ...l, updatedAt: expect.any(Date) })));

  // The workflow counted the import once, however often the file was run.
  await (await startWorkers(env, taskQueue, fakeWorld().activities)).run(async () => {
    // The score lines show once the workflow has pinned its scoring rules (a recorded activity).
    const v = await settled(env.client.workflow.getHandle(anna.workflowId), (x) => x.content.rules !== null, 'the scoring rules pinned', { everyMs: 100 });
    expect(v.score.events.filter((e) => e.type === 'form_submitted')).toHaveLength(1);
  });
});

test('a file with an unknown column or no email column is refused as a whole', async () => {
  await expect(importLeads(deps(), 'email,first_name,favourite_colour\na@acme.test,A,blue\n')).rejects.toThrow(ImportFileError);
  await expect(importLeads(deps(), 'mail,first_name\na@acme.test,A\n')).rejects.toThrow(/no email column/);
  await expect(importLeads(deps(), 'email,first_name\na@acme.test,A\n', { channel: 'carrier-pigeon' })).rejects.toThrow(/channel/);
});

const run = promisify(execFile);
const cli = (script: string, args: string[]) =>
  run(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), path.join(root, 'cli', script), ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: t.url, TEMPORAL_ADDRESS: env.address, TASK_QUEUE: taskQueue, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'leadflow-cli-')) },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

test('the import CLI prints bad lines and a summary, exit 1 when some rows were bad', async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'leadflow-csv-')), 'list.csv');
  writeFileSync(file, 'email,first_name,company_size\nlena@kappa.test,Lena,40\nmax@lambda.test,Max,-3\n');
  const r = await cli('import-leads.ts', [file, '--channel', 'third_party']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/line 3: companySize: /);
  expect(r.stdout).toMatch(/2 rows; 1 new leads, 0 merged into known leads, 0 suppressed, 1 bad/);
  expect(await t.db.lead.findUniqueOrThrow({ where: { email: 'lena@kappa.test' } })).toMatchObject({ source: 'third_party', companySize: 40 });
  expect((await cli('import-leads.ts', [])).code).toBe(2);
}, 60_000);

test('the api-key CLI creates a scoped key shown once and stored hashed; bad arguments are refused', async () => {
  const r = await cli('api-key.ts', ['create', 'landing pages', '--scope', 'intake']);
  expect(r.code).toBe(0);
  const key = r.stdout.trim().split('\n').at(-1)!;
  expect(key).toMatch(/^lf_/);
  const row = await t.db.apiKey.findUniqueOrThrow({ where: { keyHash: hashApiKey(key) } });
  expect(row).toMatchObject({ name: 'landing pages', scopes: ['intake'] });
  expect(JSON.stringify(await t.db.apiKey.findMany())).not.toContain(key);
  const bad = await cli('api-key.ts', ['create', 'x', '--scope', 'root']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--scope: root/);
}, 60_000);
