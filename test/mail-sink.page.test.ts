// The local mail sink's page never counts as the lead opening or clicking a mail: a real marketing
// mail (open pixel, signed click redirects) sent by the real send activity into the sink, then its
// page at /mail/:id, served by the API and opened in headless Chromium like a person would. No
// email_opened or email_clicked reaches the lead; the same pixel fetched directly does (so the
// check can fail).
import type { Client } from '@temporalio/client';
import { execFile } from 'child_process';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { promisify } from 'util';
import { createEmailActivities, type EmailActivities } from '../activities/email/send';
import { linksPlugin } from '../api/links';
import { mailPlugin, MAIL_VIEW_CSP } from '../api/mail';
import { buildApi } from '../api/server';
import { loadConfig } from '../runtime/config';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink';
import type { LeadEventSignal } from '../workflows/types';
import { createTestDb, type TestDb } from './helpers/db';
import { findChromium } from './support/chromium';

const SECRET = 'm'.repeat(40);
const SITE = 'https://www.acme.test';
let t: TestDb;
let sink: SmtpSink;
let app: FastifyInstance;
let mail: EmailActivities;
let base: string;
const signals: LeadEventSignal[] = [];
// The API's link routes signal the lead's workflow: recorded here instead.
const temporal = { workflow: { getHandle: () => ({ signal: async (_def: unknown, e: LeadEventSignal) => void signals.push(e) }) } } as unknown as Client;

const chromium = findChromium();
if (!chromium) console.warn('mail sink browser test skipped: no chromium binary on PATH (apt-get install chromium, or set CHROMIUM_PATH); .ci/run installs it');

beforeAll(async () => {
  t = await createTestDb();
  const dir = mkdtempSync(path.join(tmpdir(), 'leadflow-sink-page-'));
  sink = await startSmtpSink({ port: 0, dir: path.join(dir, 'mail') });
  const config = loadConfig({ DATA_DIR: dir, LINK_SIGNING_SECRET: SECRET, SITE_URL: SITE });
  app = await buildApi({ db: t.db, temporal, config, sink }, [mailPlugin, linksPlugin]);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  // Links in the mail point at this API, as PUBLIC_BASE_URL does in `npm start`.
  config.PUBLIC_BASE_URL = base;
  mail = createEmailActivities({
    db: t.db,
    config: { smtp: { host: '127.0.0.1', port: sink.port, secure: false, pool: false }, from: 'Acme <hello@acme.test>', companyName: 'Acme', companyAddress: '1 Main St', publicBaseUrl: base, siteUrl: SITE, linkSecret: SECRET, quietHours: { start: '20:00', end: '08:00' }, cap: { max: 3, days: 7 } },
  });
  await t.db.lead.create({ data: { id: 'S1', email: 'ola@example.test', firstName: 'Ola', locale: 'en', timezone: 'UTC', source: 'web_form', workflowId: 'lead-S1', consentStatus: 'confirmed' } });
  const sent = await mail.sendEmail({ idempotencyKey: 'S1:cold:v1:e1:0', leadId: 'S1', template: 'cold-ebook', kind: 'marketing', variables: { firstName: 'Ola', company: null }, now: '2027-03-10T12:00:00.000Z' });
  expect(sent.status).toBe('sent');
  await sink.waitFor(1);
}, 60_000);

afterAll(async () => {
  mail?.close();
  await app?.close();
  await sink?.stop();
  await t?.cleanup();
});

const original = () => sink.mails()[0];

test('the mail as sent carries the open pixel and click redirects (what the page must not fire)', () => {
  expect(original().html).toContain(`${base}/o/`);
  expect(original().html).toContain(`${base}/c/`);
});

test('the page shows the mail without the pixel, with links to their real targets, under a CSP that blocks scripts and forms', async () => {
  // The sink's pages need its per-start token (or an admin key): the cookie the token is traded for.
  const r = await app.inject({ url: `/mail/${original().id}`, headers: { cookie: `leadflow_sink=${sink.viewToken}` } });
  expect(r.statusCode).toBe(200);
  expect(r.headers['content-security-policy']).toBe(MAIL_VIEW_CSP);
  expect(r.body).not.toContain(`${base}/o/`);
  expect(r.body).not.toContain(`${base}/c/`);
  // The e-book button and the text part lead straight to the site.
  expect(r.body).toContain(`${SITE}/resources/ebook`);
  // The unsubscribe link stays: it only opens a page asking to confirm.
  expect(r.body).toContain(`${base}/u/`);
  expect(signals).toEqual([]);
});

(chromium ? test : test.skip)('opened in headless Chromium, the page records no open and no click; the pixel itself would', async () => {
  const profile = mkdtempSync(path.join(tmpdir(), 'leadflow-chromium-sink-'));
  try {
    // Async: the API answering Chromium runs in this process.
    const { stdout } = await promisify(execFile)(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage', `--user-data-dir=${profile}`, '--virtual-time-budget=5000', '--dump-dom', `${base}/mail/${original().id}?token=${sink.viewToken}`], { timeout: 90_000 });
    expect(stdout).toContain('<iframe');
    expect(signals.filter((s) => s.type === 'email_opened' || s.type === 'email_clicked')).toEqual([]);

    const pixel = /src="([^"]*\/o\/[^"]+)"/.exec(original().html)![1];
    expect((await fetch(pixel)).status).toBe(200);
    expect(signals.map((s) => s.type)).toEqual(['email_opened']);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}, 120_000);
