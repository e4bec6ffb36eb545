// The KPI page as served by GET /kpi/report, rendered by headless Chromium: a full-page screenshot
// goes to test-artifacts/kpi-report.png (with the HTML next to it). Chromium cannot send the API
// key header, so the page is fetched through the API and opened from a file; it is self-contained
// (inline SVG and CSS, nothing to fetch), so the file renders exactly like the response.
import type { Client } from '@temporalio/client';
import { execFileSync } from 'child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { createApiKey } from '../api/auth';
import { kpiPlugin } from '../api/kpi';
import { buildApi } from '../api/server';
import { loadConfig } from '../runtime/config';
import { createTestDb } from './helpers/db';
import { findChromium } from './support/chromium';
import { KPI_RANGE, seedKpiFixture } from './support/kpi-fixture';

const artifacts = path.join(__dirname, '..', 'test-artifacts');
const WIDTH = 1200;
const HEIGHT = 4400;

const chromium = findChromium();
if (!chromium) console.warn('KPI page test skipped: no chromium binary on PATH (apt-get install chromium, or set CHROMIUM_PATH); .ci/run installs it');
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--hide-scrollbars', '--disable-dev-shm-usage'];

/** Width and height from a PNG's IHDR chunk. */
function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

(chromium ? test : test.skip)('the KPI page renders in headless Chromium (screenshot in test-artifacts/)', async () => {
  const t = await createTestDb();
  const profile = path.join(tmpdir(), `leadflow-chromium-${process.pid}`);
  try {
    await seedKpiFixture(t.db);
    const config = { ...loadConfig({ DATA_DIR: '/tmp/leadflow-kpi-page-test', LINK_SIGNING_SECRET: 'p'.repeat(40) }), DATABASE_URL: t.url };
    const app = await buildApi({ db: t.db, temporal: {} as Client, config }, [kpiPlugin]);
    const { key } = await createApiKey(t.db, 'ops', ['admin']);
    const res = await app.inject({ url: `/kpi/report?from=${KPI_RANGE.from}&to=${KPI_RANGE.to}`, headers: { authorization: `Bearer ${key}` } });
    await app.close();
    expect(res.statusCode).toBe(200);

    mkdirSync(artifacts, { recursive: true });
    const html = path.join(artifacts, 'kpi-report.html');
    const png = path.join(artifacts, 'kpi-report.png');
    writeFileSync(html, res.body);
    rmSync(png, { force: true });
    const url = `file://${html}`;
    const run = (...args: string[]): string => execFileSync(chromium!, [...flags, `--user-data-dir=${profile}`, ...args, url], { encoding: 'utf8', timeout: 90_000, stdio: ['ignore', 'pipe', 'pipe'] });

    // The DOM after Chromium parsed and laid it out: every chart is there as SVG.
    const dom = run('--dump-dom');
    expect(dom.match(/<svg [^>]*role="img"/g)).toHaveLength(8);
    expect(dom).toContain('Newsletter &lt;promo&gt; &amp; co');

    run(`--window-size=${WIDTH},${HEIGHT}`, `--screenshot=${png}`);
    const shot = readFileSync(png);
    expect(pngSize(shot)).toEqual({ width: WIDTH, height: HEIGHT });
    // A blank or error page compresses to a few KB; seven charts and tables do not.
    expect(statSync(png).size).toBeGreaterThan(100_000);
  } finally {
    rmSync(profile, { recursive: true, force: true });
    await t.cleanup();
  }
});
