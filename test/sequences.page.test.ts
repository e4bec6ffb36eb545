// The sequence pages (GET /sequences, GET /sequences/:id) rendered by headless Chromium, driven by
// puppeteer-core: the picture of warm-consideration with the hand-computed statistics on it, its
// boxes not overlapping and every label inside its box (measured by the browser, not estimated),
// the same for every shipped sequence's picture, and content escaped. Full-page screenshots go to
// test-artifacts/ (sequence-page.png, sequences.png).
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { mkdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { createApiKey } from '../api/auth';
import { sequencesPlugin } from '../api/sequences';
import { buildApi } from '../api/server';
import { sequenceModules } from '../content/sequences';
import { sequenceSvg } from '../domain/content/sequence-graph';
import { loadConfig } from '../runtime/config';
import { walk } from '../workflows/sequences/interpreter';
import { createTestDb, type TestDb } from './helpers/db';
import { findChromium } from './support/chromium';
import { SEQ_RANGE, seedSequenceStatsFixture } from './support/sequence-stats-fixture';

const artifacts = path.join(__dirname, '..', 'test-artifacts');
const chromium = findChromium();
if (!chromium) console.warn('sequence page test skipped: no chromium binary on PATH (apt-get install chromium, or set CHROMIUM_PATH); .ci/run installs it');

let t: TestDb;
let app: FastifyInstance;
let admin: string;
let browser: Browser;

beforeAll(async () => {
  t = await createTestDb();
  await seedSequenceStatsFixture(t.db);
  // A published sequence whose texts are markup: the pages must show them, escaped.
  await t.db.contentVersion.create({
    data: {
      kind: 'sequence',
      contentId: 'evil-seq',
      version: 1,
      hash: 'x',
      body: {
        definition: {
          id: 'evil-seq',
          version: 1,
          name: '<img src=x onerror=alert(1)>',
          description: 'a "quoted" & <b>bold</b> one',
          entry: { stages: ['nurturing'], reentry: false, priority: 1 },
          goals: [],
          steps: [{ kind: 'send', template: 'cold-ebook' }, { kind: 'end', reason: '</text><script>alert(2)</script>' }],
        },
      },
    },
  });
  const config = { ...loadConfig({ DATA_DIR: path.join(tmpdir(), 'leadflow-seq-page-test'), LINK_SIGNING_SECRET: 'p'.repeat(40) }), DATABASE_URL: t.url };
  app = await buildApi({ db: t.db, temporal: {} as Client, config }, [sequencesPlugin]);
  admin = (await createApiKey(t.db, 'ops', ['admin'])).key;
  if (chromium) browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  mkdirSync(artifacts, { recursive: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await t?.cleanup();
});

const get = (url: string) => app.inject({ url, headers: { authorization: `Bearer ${admin}` } });

interface Box { x: number; y: number; width: number; height: number }
interface Measured { nodes: { step: string; rect: Box; texts: { text: string; box: Box }[] }[]; edgeLabels: Box[] }

/** Every box of every picture on the page and the browser's own measure of its texts (run in the page). */
const MEASURE = `[...document.querySelectorAll('svg.sequence')].map((svg) => {
  const bb = (e) => { const b = e.getBBox(); return { x: b.x, y: b.y, width: b.width, height: b.height }; };
  return {
    nodes: [...svg.querySelectorAll('g.node')].map((g) => ({ step: g.getAttribute('data-step') || '', rect: bb(g.querySelector('rect')), texts: [...g.querySelectorAll('text')].map((x) => ({ text: x.textContent || '', box: bb(x) })) })),
    edgeLabels: [...svg.querySelectorAll('text.edge')].map(bb),
  };
})`;
const measure = (page: Page): Promise<Measured[]> => page.evaluate(MEASURE) as Promise<Measured[]>;

const overlap = (a: Box, b: Box): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Labels inside their boxes, boxes apart, edge labels off the boxes. */
function checkReadable(m: Measured): void {
  for (const n of m.nodes) {
    for (const x of n.texts) {
      expect({ step: n.step, text: x.text, inside: x.box.x >= n.rect.x && x.box.x + x.box.width <= n.rect.x + n.rect.width && x.box.y >= n.rect.y && x.box.y + x.box.height <= n.rect.y + n.rect.height }).toEqual({ step: n.step, text: x.text, inside: true });
    }
  }
  for (let i = 0; i < m.nodes.length; i++) {
    for (let j = i + 1; j < m.nodes.length; j++) expect([m.nodes[i].step, m.nodes[j].step, overlap(m.nodes[i].rect, m.nodes[j].rect)]).toEqual([m.nodes[i].step, m.nodes[j].step, false]);
    for (const l of m.edgeLabels) expect([m.nodes[i].step, overlap(m.nodes[i].rect, l)]).toEqual([m.nodes[i].step, false]);
  }
}

(chromium ? test : test.skip)('the sequence page in Chromium: the picture with its counts, readable (screenshot in test-artifacts/)', async () => {
  const res = await get(`/sequences/warm-consideration?from=${SEQ_RANGE.from}&to=${SEQ_RANGE.to}`);
  expect(res.statusCode).toBe(200);
  const html = path.join(artifacts, 'sequence-page.html');
  writeFileSync(html, res.body);
  const page = await browser.newPage();
  await page.setViewport({ width: 1500, height: 900 });
  await page.goto(`file://${html}`, { waitUntil: 'load' });
  const [m] = await measure(page);
  // Every step, the entry, the end and the goals.
  const steps = walk(sequenceModules.find((x) => x.current.id === 'warm-consideration')!.current.steps).length;
  expect(m.nodes).toHaveLength(steps + 3);
  checkReadable(m);
  const box = (step: string) => m.nodes.find((n) => n.step === step)!.texts.map((x) => x.text);
  expect(box('0')).toEqual(['send warm-case-study', 'step 0', 'entered 5 · now 0', 'sent 5 · opened 50% · clicked 0%', 'bounced 1 · unsubscribed 1']);
  expect(box('5')).toEqual(['wait for replied, up to 10 days', 'step 5', 'entered 2 · now 2', 'left on a goal here: 1']);
  expect(box('entry')).toEqual(['Warm lead drip (v1)', 'enters at nurturing/mql, warm', 'entered 5 · now in it 3']);
  // The tables under the picture, as the browser laid them out.
  const captions = await page.$$eval('caption', (cs) => cs.map((c) => c.textContent));
  expect(captions).toEqual(['Warm lead drip (warm-consideration): totals', 'Per step', 'Per template and locale', 'A/B split at step 4 (v1), tested on: click', 'Where and why leads left']);
  await page.screenshot({ path: path.join(artifacts, 'sequence-page.png'), fullPage: true });
  await page.close();
});

(chromium ? test : test.skip)('every shipped sequence is drawn readable; the list page links to each', async () => {
  const list = await get(`/sequences?from=${SEQ_RANGE.from}&to=${SEQ_RANGE.to}`);
  expect(list.statusCode).toBe(200);
  const file = path.join(artifacts, 'sequences.html');
  // The list page, then each shipped sequence's picture without statistics below it.
  writeFileSync(file, list.body.replace('</main>', `${sequenceModules.map((x) => sequenceSvg(x.current)).join('')}</main>`));
  const page = await browser.newPage();
  await page.setViewport({ width: 1500, height: 900 });
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  const links = await page.$$eval('#sequences a', (as) => as.map((a) => a.getAttribute('href')));
  expect(links).toEqual(expect.arrayContaining(sequenceModules.map((x) => `/sequences/${x.current.id}?from=2026-03-01&to=2026-03-31`)));
  const pictures = await measure(page);
  expect(pictures).toHaveLength(sequenceModules.length);
  pictures.forEach(checkReadable);
  await page.screenshot({ path: path.join(artifacts, 'sequences.png'), fullPage: true });
  await page.close();
});

test('content is escaped on the pages and in the SVG', async () => {
  const res = await get('/sequences/evil-seq');
  expect(res.statusCode).toBe(200);
  expect(res.body).not.toMatch(/<script|<img|<b>/);
  expect(res.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
  expect(res.body).toContain('a &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt; one');
  expect(res.body).toContain('end: &lt;/text&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
  const svg = await get('/sequences/evil-seq/svg');
  expect(svg.body).not.toMatch(/<script|<img/);
  const list = await get('/sequences');
  expect(list.body).not.toMatch(/<script|<img/);
});
