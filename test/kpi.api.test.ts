// KPI routes: admin key required, range validated (400 naming the field), JSON equal to the
// hand-computed fixture, and the HTML page escaped, with its charts.
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { createApiKey } from '../api/auth';
import { kpiPlugin } from '../api/kpi';
import { buildApi } from '../api/server';
import { loadConfig } from '../runtime/config';
import { createTestDb, type TestDb } from './helpers/db';
import { KPI_EXPECTED, KPI_RANGE, rounded, seedKpiFixture } from './support/kpi-fixture';

let t: TestDb;
let app: FastifyInstance;
let admin: string;
let intake: string;
const q = `from=${KPI_RANGE.from}&to=${KPI_RANGE.to}`;

beforeAll(async () => {
  t = await createTestDb();
  await seedKpiFixture(t.db);
  const config = { ...loadConfig({ DATA_DIR: '/tmp/leadflow-kpi-api-test', LINK_SIGNING_SECRET: 'k'.repeat(40) }), DATABASE_URL: t.url };
  // The KPI routes never touch Temporal.
  app = await buildApi({ db: t.db, temporal: {} as Client, config }, [kpiPlugin]);
  admin = (await createApiKey(t.db, 'ops', ['admin'])).key;
  intake = (await createApiKey(t.db, 'web form', ['intake'])).key;
});
afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

const get = (url: string, key?: string) => app.inject({ url, headers: key ? { authorization: `Bearer ${key}` } : {} });

test('admin key required: none 401, intake key 403, on both routes', async () => {
  for (const url of [`/kpi?${q}`, `/kpi/report?${q}`]) {
    expect((await get(url)).statusCode).toBe(401);
    expect((await get(url, intake)).statusCode).toBe(403);
  }
});

test('GET /kpi returns the hand-computed figures', async () => {
  const res = await get(`/kpi?${q}`, admin);
  expect(res.statusCode).toBe(200);
  const { generatedAt: _g, ...body } = res.json();
  expect(rounded(body)).toEqual(rounded(KPI_EXPECTED));
});

test.each([
  ['from=2026-02-30', 'from', /date/],
  ['from=2026-03-01&to=soon', 'to', /date/],
  ['from=2026-03-10&to=2026-03-01', 'to', /after from/],
  ['from=1990-01-01&to=2026-03-01', 'from', /at most/],
])('bad range %s -> 400 naming %s', async (query, field, message) => {
  for (const url of [`/kpi?${query}`, `/kpi/report?${query}`]) {
    const res = await get(url, admin);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field, message: expect.stringMatching(message) }]);
  }
});

test('an unknown parameter (a typo) is refused, not ignored', async () => {
  const res = await get('/kpi?form=2026-03-01', admin);
  expect(res.statusCode).toBe(400);
  expect(JSON.stringify(res.json().errors)).toMatch(/form/);
});

test('GET /kpi/report: one self-contained page, charts with text alternatives, database text escaped', async () => {
  const res = await get(`/kpi/report?${q}`, admin);
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
  const html = res.body;
  expect(html).toMatch(/^<!doctype html><html lang="en">/);
  // Eight charts, each an image with a title and a description it points to.
  const svgs = html.match(/<svg [^>]*role="img"[^>]*>/g) ?? [];
  expect(svgs).toHaveLength(8);
  for (const svg of svgs) {
    const [, t1, d1] = /aria-labelledby="(chart-\d+-t) (chart-\d+-d)"/.exec(svg)!;
    expect(html).toContain(`<title id="${t1}">`);
    expect(html).toContain(`<desc id="${d1}">`);
  }
  // No script and nothing loaded from elsewhere.
  expect(html).not.toMatch(/<script|<link|src="http|href="http/);
  // The campaign named "Newsletter <promo> & co" is shown escaped, never as markup.
  expect(html).toContain('Newsletter &lt;promo&gt; &amp; co');
  expect(html).not.toContain('<promo>');
  // Figures from the report, formatted.
  expect(html).toContain('<td class="num">333.33</td>'); // CPA of c1
  expect(html).toContain('<td class="num">130.0%</td>'); // ROI of c1
  expect(html).toContain('<td class="num">25.5</td>'); // median cycle
  expect(html).toContain('2026-03-01 to 2026-04-30');
  // Hand-off: conversion per temperature band and manager tier; the sequences, linked to their pages.
  expect(html).toContain('<th scope="row">warm</th><td class="num">2</td><td class="num">1</td><td class="num">50.0%</td>');
  expect(html).toContain('<th scope="row">tier 1</th><td class="num">3</td><td class="num">1</td><td class="num">33.3%</td>');
  expect(html).toContain('<a href="/sequences/warm-consideration">warm-consideration</a>');
});
