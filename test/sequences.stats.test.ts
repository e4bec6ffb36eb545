// Sequence statistics against a hand-computed fixture (rows in a test database): the SQL, the API
// (admin key, 400 naming the field, 404), the CLI's table and exit codes, and the A/B verdict.
import type { Client } from '@temporalio/client';
import { spawnSync } from 'child_process';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { abVerdict, sampleSizePerVariant, twoProportionPValue } from '../domain/kpi/ab-test';
import { createApiKey } from '../api/auth';
import { sequencesPlugin } from '../api/sequences';
import { buildApi } from '../api/server';
import { loadConfig } from '../runtime/config';
import { computeSequenceStats, sequenceStatsQuerySchema } from '../domain/kpi/sequence-stats';
import { createTestDb, type TestDb } from './helpers/db';
import { SEQ_EXPECTED, SEQ_RANGE, seedSequenceStatsFixture } from './support/sequence-stats-fixture';

const root = path.join(__dirname, '..');
let t: TestDb;
let app: FastifyInstance;
let admin: string;
let intake: string;
let dataDir: string;
const q = `from=${SEQ_RANGE.from}&to=${SEQ_RANGE.to}`;

beforeAll(async () => {
  t = await createTestDb();
  await seedSequenceStatsFixture(t.db);
  const config = { ...loadConfig({ DATA_DIR: '/tmp/leadflow-seq-stats-test', LINK_SIGNING_SECRET: 's'.repeat(40) }), DATABASE_URL: t.url };
  app = await buildApi({ db: t.db, temporal: {} as Client, config }, [sequencesPlugin]);
  admin = (await createApiKey(t.db, 'ops', ['admin'])).key;
  intake = (await createApiKey(t.db, 'web form', ['intake'])).key;
  dataDir = mkdtempSync(path.join(tmpdir(), 'leadflow-seq-cli-'));
});
afterAll(async () => {
  await app?.close();
  await t?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The figures compared, without labels (checked separately) and with the p-value checked apart. */
function comparable(s: Record<string, unknown>): unknown {
  const x = JSON.parse(JSON.stringify(s)) as { steps: { label?: string }[]; splits: { verdict: { pValue?: number; note?: string } }[] };
  for (const st of x.steps) delete st.label;
  for (const sp of x.splits) {
    delete sp.verdict.pValue;
    delete sp.verdict.note;
  }
  return x;
}

test('every figure equals the hand-computed fixture', async () => {
  const s = await computeSequenceStats(t.db, 'warm-consideration', sequenceStatsQuerySchema.parse(SEQ_RANGE));
  expect(comparable(s as unknown as Record<string, unknown>)).toEqual(SEQ_EXPECTED);
  expect(s.steps.map((x) => x.label)).toEqual([
    'send warm-case-study',
    'wait 3 days',
    'send warm-comparison',
    'wait for email_clicked / page_viewed, up to 5 days',
    'add 5 points',
    'A/B split: A 50%, B 50%',
    'send warm-consultation',
    'send warm-consultation',
    'wait for replied, up to 10 days',
    'hand to sales: asked for a consultation',
    'end: no answer to the consultation offer',
  ]);
  const v = s.splits[0].verdict;
  expect(v.status === 'not_significant' && v.pValue).toBeCloseTo(0.0833, 2);
  expect(v.status === 'not_significant' && v.note).toBe('not yet significant, need about 1 more leads per variant');
});

test('converted within N days and the metric of the split follow the query', async () => {
  // Within 12 days: L1's SQL (13 days after entering) no longer counts; L5's MQL (10 days) does.
  const s = await computeSequenceStats(t.db, 'warm-consideration', sequenceStatsQuerySchema.parse({ ...SEQ_RANGE, within: '12', metric: 'mql' }));
  expect(s.totals.converted).toEqual({ mql: 1, sql: 0, client: 0 });
  expect(s.splits[0].metric).toBe('mql');
  // MQL: A 1/1 (L1 within 5 days of its split), B 1/2.
  expect(s.splits[0].variants.map((x) => x.rate)).toEqual([1, 0.5]);
  // Another range: nothing entered, nothing sent; where leads are now does not depend on the range.
  const empty = await computeSequenceStats(t.db, 'warm-consideration', sequenceStatsQuerySchema.parse({ from: '2025-01-01', to: '2025-01-31' }));
  expect(empty.totals).toMatchObject({ entered: 0, sent: 0, now: 3, openRate: null });
  expect(empty.splits[0].verdict.status).toBe('no_data');
});

describe('A/B verdict (two-proportion z-test, simple-statistics)', () => {
  test('a real difference wins: 200/1000 vs 150/1000 (p = 0.0033, as R prop.test without continuity correction)', () => {
    expect(twoProportionPValue({ name: 'A', n: 1000, successes: 200 }, { name: 'B', n: 1000, successes: 150 })).toBeCloseTo(0.00326, 3);
    expect(abVerdict([{ name: 'A', n: 1000, successes: 150 }, { name: 'B', n: 1000, successes: 200 }])).toMatchObject({ status: 'winner', winner: 'B', alpha: 0.05 });
  });
  test('a small difference is not yet significant and says how many more leads it needs', () => {
    // 11% vs 10% at alpha 0.05, power 80%: ((1.96 sqrt(2 * .105 * .895) + 0.8416 sqrt(.11 * .89 + .1 * .9))^2 / .01^2 = 14,751 per variant.
    expect(sampleSizePerVariant(0.11, 0.1, 0.05)).toBeGreaterThan(14_700);
    expect(sampleSizePerVariant(0.11, 0.1, 0.05)).toBeLessThan(14_800);
    const v = abVerdict([{ name: 'A', n: 200, successes: 22 }, { name: 'B', n: 200, successes: 20 }]);
    expect(v).toMatchObject({ status: 'not_significant', leader: 'A' });
    expect(v.status === 'not_significant' && v.needMorePerVariant).toBe(sampleSizePerVariant(0.11, 0.1, 0.05) - 200);
  });
  test('three variants: the leader must beat each other one at alpha / 2 (Bonferroni)', () => {
    // A vs C: p ~ 0.03 passes 0.05 but not 0.025.
    const arms = [{ name: 'A', n: 1000, successes: 120 }, { name: 'B', n: 1000, successes: 119 }, { name: 'C', n: 1000, successes: 90 }];
    expect(twoProportionPValue(arms[0], arms[2])).toBeGreaterThan(0.025);
    expect(twoProportionPValue(arms[0], arms[2])).toBeLessThan(0.05);
    expect(abVerdict(arms)).toMatchObject({ status: 'not_significant', alpha: 0.025 });
    expect(abVerdict([{ name: 'A', n: 1000, successes: 200 }, { name: 'B', n: 1000, successes: 120 }, { name: 'C', n: 1000, successes: 110 }])).toMatchObject({ status: 'winner', winner: 'A', alpha: 0.025 });
  });
  test('equal rates, or a variant without leads', () => {
    expect(abVerdict([{ name: 'A', n: 50, successes: 5 }, { name: 'B', n: 50, successes: 5 }])).toMatchObject({ status: 'not_significant', leader: null, needMorePerVariant: null });
    expect(abVerdict([{ name: 'A', n: 50, successes: 5 }, { name: 'B', n: 0, successes: 0 }])).toMatchObject({ status: 'no_data' });
  });
});

const get = (url: string, key?: string) => app.inject({ url, headers: key ? { authorization: `Bearer ${key}` } : {} });

describe('API', () => {
  test('admin key required on every sequence route: none 401, intake 403', async () => {
    for (const url of ['/sequences', '/sequences/warm-consideration', `/sequences/warm-consideration/stats?${q}`, '/sequences/warm-consideration/svg']) {
      expect((await get(url)).statusCode).toBe(401);
      expect((await get(url, intake)).statusCode).toBe(403);
    }
  });

  test('GET /sequences/:id/stats returns the hand-computed figures', async () => {
    const res = await get(`/sequences/warm-consideration/stats?${q}`, admin);
    expect(res.statusCode).toBe(200);
    expect(comparable(res.json())).toEqual(SEQ_EXPECTED);
  });

  test.each([
    ['within=0', 'within', /at least 1/],
    ['within=soon', 'within', /number/],
    ['metric=revenue', 'metric', /one of open, click/],
    ['from=2026-02-30', 'from', /date/],
    ['from=2026-03-10&to=2026-03-01', 'to', /after from/],
    ['colour=red', 'colour', /.+/],
  ])('bad query %s -> 400 naming %s', async (query, field, message) => {
    for (const url of [`/sequences/warm-consideration/stats?${query}`, `/sequences/warm-consideration?${query}`, `/sequences?${query}`]) {
      const res = await get(url, admin);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([{ field, message: expect.stringMatching(message) }]);
    }
  });

  test('a bad id is a 400 naming it; an unknown sequence or version a 404', async () => {
    const bad = await get('/sequences/Bad%20Id/stats', admin);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('id');
    expect((await get('/sequences/no-such-thing/stats', admin)).statusCode).toBe(404);
    expect((await get('/sequences/no-such-thing', admin)).statusCode).toBe(404);
    expect((await get('/sequences/warm-consideration?version=7', admin)).statusCode).toBe(404);
    expect((await get('/sequences/warm-consideration/svg?version=7', admin)).statusCode).toBe(404);
  });

  test('the pages: the picture with the counts on it, the tables, links that keep the range', async () => {
    const list = await get(`/sequences?${q}`, admin);
    expect(list.statusCode).toBe(200);
    expect(list.headers['content-type']).toMatch(/text\/html/);
    expect(list.body).toContain(`href="/sequences/warm-consideration?from=2026-03-01&amp;to=2026-03-31"`);
    const page = await get(`/sequences/warm-consideration?${q}`, admin);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    // Step 0's box: entered 5, nobody there now, 5 sent, 2 of 4 delivered opened (50%), no click.
    expect(page.body).toContain('entered 5 · now 0');
    expect(page.body).toContain('sent 5 · opened 50% · clicked 0%');
    expect(page.body).toContain('A/B split at step 4 (v1), tested on: click');
    expect(page.body).toContain('not yet significant, need about 1 more leads per variant');
    const svg = await get(`/sequences/warm-consideration/svg?${q}`, admin);
    expect(svg.headers['content-type']).toMatch(/image\/svg\+xml/);
    expect(svg.body).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });
});

describe('CLI', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), path.join(root, 'cli/sequences.ts'), ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: t.url, DATA_DIR: dataDir },
      timeout: 60_000,
    });

  test('stats prints the tables; --json the same figures as the API', () => {
    const r = cli('stats', 'warm-consideration', '--from', SEQ_RANGE.from, '--to', SEQ_RANGE.to);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const line = (...start: string[]) => r.stdout.split('\n').map((l) => l.split(/\s{2,}/)).find((cells) => start.every((c, i) => cells[i] === c));
    // version, step, what, entered, now, sent, delivered, bounced, opened, open rate, clicked, click rate, unsubscribed, goal, MQL, SQL, client
    expect(line('v1', '0')).toEqual(['v1', '0', 'send warm-case-study', '5', '0', '5', '4', '1', '2', '50.0%', '0', '0.0%', '1', '0', '2', '1', '0']);
    expect(line('warm-consultation', 'pl')).toEqual(['warm-consultation', 'pl', '1', '1', '0', '0', '0.0%', '0', '0.0%', '0']);
    expect(r.stdout).toContain('not yet significant, need about 1 more leads per variant');
    const j = cli('stats', 'warm-consideration', '--from', SEQ_RANGE.from, '--to', SEQ_RANGE.to, '--json');
    expect(j.status).toBe(0);
    expect(comparable(JSON.parse(j.stdout))).toEqual(SEQ_EXPECTED);
  });

  test('show writes the SVG with the counts; bad input exits 2 naming the flag', () => {
    const out = path.join(dataDir, 'warm.svg');
    const r = cli('show', 'warm-consideration', '--out', out, '--from', SEQ_RANGE.from, '--to', SEQ_RANGE.to);
    expect(r.status).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg).toContain('entered 5 · now 0');
    expect(svg).toContain('A/B split: A 50%, B 50%');
    const bad = cli('stats', 'warm-consideration', '--within', '0');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--within: must be at least 1 day');
    const unknown = cli('stats', 'no-such-sequence');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no sequence "no-such-sequence"');
  });
});
