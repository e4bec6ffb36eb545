// `npm run kpi`: the same figures as the API, as JSON or tables; a bad range names the flag and
// exits 2 without touching the database.
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { createTestDb, type TestDb } from './helpers/db';
import { KPI_EXPECTED, KPI_RANGE, rounded, seedKpiFixture } from './support/kpi-fixture';

const root = path.join(__dirname, '..');
let t: TestDb;
let dataDir: string;

beforeAll(async () => {
  t = await createTestDb();
  await seedKpiFixture(t.db);
  dataDir = mkdtempSync(path.join(tmpdir(), 'leadflow-kpi-cli-'));
});
afterAll(async () => {
  await t?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

const kpi = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), path.join(root, 'cli/kpi.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: t.url, DATA_DIR: dataDir },
    timeout: 60_000,
  });

test('--json prints the hand-computed report', () => {
  const r = kpi('--from', KPI_RANGE.from, '--to', KPI_RANGE.to, '--json');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const { generatedAt: _g, ...report } = JSON.parse(r.stdout);
  expect(rounded(report)).toEqual(rounded(KPI_EXPECTED));
});

test('tables: every section, aligned figures', () => {
  const r = kpi('--from', KPI_RANGE.from, '--to', KPI_RANGE.to);
  expect(r.status).toBe(0);
  const out = r.stdout;
  expect(out).toMatch(/^KPIs 2026-03-01 to 2026-04-30 \(UTC\)/);
  for (const title of ['Summary', 'Leads by source and channel', 'Funnel by source', 'Campaigns: cost and return', 'Sales cycle', 'Managers', 'Rejection reasons (5 rejections)', 'Survey answers: reason', 'Survey answers: timing', 'Survey answers: budget', 'Mails sent by template']) {
    expect(out).toContain(`\n${title}`);
  }
  const line = (start: string) => out.split('\n').find((l) => l.startsWith(start))?.split(/\s{2,}/);
  expect(line('Spring search ads')).toEqual(['Spring search ads (c1-spring)', 'cpc', '1,000.00 EUR', '2', '3', '2,300.00', '500.00', '333.33', '130.0%']);
  expect(line('all ')).toEqual(['all', '7', '4', '4', '3', '57.1%', '100.0%', '75.0%', '42.9%']);
  expect(line('Anna')).toEqual(['Anna', '3', '2', '0', '1', '2', '66.7%', '33.3%']);
  expect(line('sales cycle p90')).toEqual(['sales cycle p90 (days)', '53.0']);
});

test.each([
  [['--from', '2026-03-10', '--to', '2026-03-01'], /^--to: must be after from/],
  [['--from', 'March'], /^--from: must be a date/],
  [['--since', '2026-01-01'], /Unknown option '--since'/],
])('bad arguments %j: exit 2 naming the flag', (args, message) => {
  const r = kpi(...args);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).toContain('usage: npm run kpi');
  expect(r.stdout).toBe('');
});
