// The API's holes from issue 18, each tried the way an attacker would: the mail sink's pages, made-up
// API keys against the per-address limit, a forwarded signed link, a mail scanner following the
// opt-in link, prototype-polluting JSON and bodies of the wrong type.
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync } from 'fs';
import nodemailer from 'nodemailer';
import { tmpdir } from 'os';
import path from 'path';
import { linkBuilder, signLink, SURVEY_TTL_MS } from '../domain/mail/links';
import { createApiKey } from '../api/auth';
import { linksPlugin } from '../api/links';
import { mailPlugin } from '../api/mail';
import { managersPlugin } from '../api/managers';
import { buildApi, type ApiPlugin } from '../api/server';
import { SURVEY_MAX_ANSWERS, surveyPlugin } from '../api/survey';
import { loadConfig } from '../runtime/config';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink';
import { createTestDb, type TestDb } from './helpers/db';

const SECRET = 'a'.repeat(40);
let t: TestDb;
const signals: { workflowId: string; event: { type: string } }[] = [];
// Enough of a Temporal client for the link routes: signals are recorded, not sent.
const temporal = { workflow: { getHandle: (workflowId: string) => ({ signal: async (_def: unknown, event: { type: string }) => void signals.push({ workflowId, event }) }) } } as unknown as Client;
const apps: FastifyInstance[] = [];

async function api(env: Record<string, string>, plugins: ApiPlugin[], sink?: SmtpSink): Promise<FastifyInstance> {
  const config = loadConfig({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'leadflow-sec-')), LINK_SIGNING_SECRET: SECRET, ...env });
  const app = await buildApi({ db: t.db, temporal, config, ...(sink ? { sink } : {}) }, plugins);
  apps.push(app);
  return app;
}

async function lead(email: string, over: Record<string, unknown> = {}): Promise<string> {
  const row = await t.db.lead.create({ data: { email, source: 'web_form', workflowId: `lead-${email}`, ...over } });
  return row.id;
}

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  for (const a of apps) await a.close();
  await t.cleanup();
});

describe('the mail sink pages need the admin key or the per-start token', () => {
  let sink: SmtpSink;
  let app: FastifyInstance;
  let mailId: string;
  beforeAll(async () => {
    sink = await startSmtpSink({ port: 0, dir: mkdtempSync(path.join(tmpdir(), 'leadflow-sec-sink-')) });
    app = await api({}, [mailPlugin], sink);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false });
    await transport.sendMail({ from: 'a@acme.test', to: 'ola@acme.test', subject: 'Your link', text: 'unsubscribe: http://leads.test/u/secret-token' });
    transport.close();
    mailId = (await sink.waitFor(1))[0]!.id;
  });
  afterAll(() => sink.stop());

  test('401 without, 403 with an intake key, 200 with an admin key', async () => {
    const admin = (await createApiKey(t.db, 'ops', ['admin'])).key;
    const intake = (await createApiKey(t.db, 'forms', ['intake'])).key;
    for (const url of ['/mail', '/mail.json', `/mail/${mailId}`, `/mail/${mailId}.eml`]) {
      const anon = await app.inject({ url });
      expect([url, anon.statusCode]).toEqual([url, 401]);
      expect(anon.body).not.toContain('secret-token');
      expect([url, (await app.inject({ url, headers: { 'x-api-key': intake } })).statusCode]).toEqual([url, 403]);
      const ok = await app.inject({ url, headers: { authorization: `Bearer ${admin}` } });
      expect([url, ok.statusCode]).toEqual([url, 200]);
      expect(ok.headers['referrer-policy']).toBe('no-referrer');
    }
    expect((await app.inject({ url: '/mail.json', headers: { 'x-api-key': admin } })).json()[0]).toMatchObject({ subject: 'Your link' });
  });

  test('the printed token opens the pages in a browser: traded for an HttpOnly cookie; a wrong token gets 401', async () => {
    expect((await app.inject({ url: '/mail?token=nope' })).statusCode).toBe(401);
    const first = await app.inject({ url: `/mail?token=${sink.viewToken}` });
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe('/mail');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await app.inject({ url: `/mail/${mailId}`, headers: { cookie: cookie.split(';')[0]! } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Your link');
    expect((await app.inject({ url: '/mail.json', headers: { cookie: 'leadflow_sink=forged' } })).statusCode).toBe(401);
  });

  test('a mail id cannot reach outside the sink', async () => {
    const admin = (await createApiKey(t.db, 'ops2', ['admin'])).key;
    const res = await app.inject({ url: '/mail/..%2F..%2Fetc%2Fpasswd.eml', headers: { 'x-api-key': admin } });
    expect(res.statusCode).toBe(400);
    // A well-formed id the sink does not know: 404, not a failed file read.
    expect((await app.inject({ url: '/mail/1700000000000-999999.eml', headers: { 'x-api-key': admin } })).statusCode).toBe(404);
  });
});

describe('rate limits', () => {
  test('per address before any key lookup: made-up keys are stopped without a database lookup each', async () => {
    const app = await api({ API_RATE_LIMIT_PER_IP_PER_MINUTE: '5', API_RATE_LIMIT_PER_MINUTE: '100' }, [managersPlugin]);
    const lookups = jest.spyOn(t.db.apiKey, 'findUnique');
    try {
      const codes: number[] = [];
      for (let i = 0; i < 12; i++) codes.push((await app.inject({ url: '/managers', headers: { authorization: `Bearer lf_random_${i}` }, remoteAddress: '203.0.113.7' })).statusCode);
      expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
      expect(lookups).toHaveBeenCalledTimes(5);
      // A good key from that address waits too; another address is not affected.
      const admin = (await createApiKey(t.db, 'ops3', ['admin'])).key;
      expect((await app.inject({ url: '/managers', headers: { 'x-api-key': admin }, remoteAddress: '203.0.113.7' })).statusCode).toBe(429);
      const other = await app.inject({ url: '/managers', headers: { 'x-api-key': admin }, remoteAddress: '198.51.100.9' });
      expect(other.statusCode).toBe(200);
      const limited = await app.inject({ url: '/managers', headers: { authorization: 'Bearer x' }, remoteAddress: '203.0.113.7' });
      expect(limited.headers['retry-after']).toMatch(/^\d+$/);
      expect(limited.json().error).toMatch(/rate limit/);
    } finally {
      lookups.mockRestore();
    }
  });

  test('per signed-link token: a forwarded unsubscribe link is limited, other links are not', async () => {
    const app = await api({ LINK_RATE_LIMIT_PER_MINUTE: '3' }, [linksPlugin]);
    const id = await lead('limit@acme.test');
    const links = linkBuilder('', SECRET);
    const url = links.unsubscribe(id);
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await app.inject({ url, remoteAddress: `192.0.2.${i + 1}` })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    expect((await app.inject({ method: 'POST', url })).statusCode).toBe(429);
    expect((await app.inject({ url: links.unsubscribe(await lead('other@acme.test')) })).statusCode).toBe(200);
  });

  test(`survey answers from one link are capped at ${SURVEY_MAX_ANSWERS}: no more rows, no more signals`, async () => {
    const app = await api({ LINK_RATE_LIMIT_PER_MINUTE: '1000' }, [surveyPlugin]);
    const id = await lead('survey@acme.test');
    const url = linkBuilder('', SECRET).survey(id);
    const answer = () => app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'reason=bad_timing&timing=in_6_months&comment=spam' });
    const codes: number[] = [];
    for (let i = 0; i < SURVEY_MAX_ANSWERS + 3; i++) codes.push((await answer()).statusCode);
    expect(codes).toEqual([...Array(SURVEY_MAX_ANSWERS).fill(200), 429, 429, 429]);
    expect((await answer()).body).toContain('We already have your answers');
    expect(await t.db.surveyResponse.count({ where: { leadId: id } })).toBe(SURVEY_MAX_ANSWERS);
    expect(signals.filter((s) => s.workflowId === `lead-${id}` && s.event.type === 'survey_answered')).toHaveLength(SURVEY_MAX_ANSWERS);
    // The link still shows the form (its answers are kept), and an expired link is still refused first.
    expect((await app.inject({ url })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: `/survey/${signLink('survey', { l: id }, SECRET, SURVEY_TTL_MS, Date.now() - SURVEY_TTL_MS - 1)}` })).statusCode).toBe(410);
  });
});

test('double opt-in: opening the link (a mail scanner) confirms nothing; the Confirm button (POST) does', async () => {
  const app = await api({}, [linksPlugin]);
  const id = await lead('optin@acme.test', { consentStatus: 'pending' });
  const url = linkBuilder('', SECRET).confirm(id);
  for (let i = 0; i < 3; i++) {
    const page = await app.inject({ url });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<button type="submit">Confirm</button>');
  }
  expect(await t.db.lead.findUniqueOrThrow({ where: { id } })).toMatchObject({ consentStatus: 'pending', consentAt: null });
  expect(signals.filter((s) => s.workflowId === `lead-${id}`)).toEqual([]);
  const done = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
  expect(done.statusCode).toBe(200);
  expect((await t.db.lead.findUniqueOrThrow({ where: { id } })).consentStatus).toBe('confirmed');
  expect(signals.filter((s) => s.workflowId === `lead-${id}`).map((s) => s.event.type)).toEqual(['consent_confirmed']);
});

describe('JSON bodies', () => {
  let app: FastifyInstance;
  let admin: string;
  beforeAll(async () => {
    app = await api({}, [managersPlugin]);
    admin = (await createApiKey(t.db, 'ops4', ['admin'])).key;
  });
  const post = (payload: string, type = 'application/json') => app.inject({ method: 'POST', url: '/managers', headers: { 'x-api-key': admin, 'content-type': type }, payload });

  test('__proto__ and constructor.prototype keys get a 400 naming the key, and nothing is written', async () => {
    const top = await post('{"name":"Eve","email":"eve@acme.test","__proto__":{"isHeadOfSales":true}}');
    expect(top.statusCode).toBe(400);
    expect(top.json()).toEqual({ error: 'invalid request', errors: [{ field: '__proto__', message: expect.stringContaining('__proto__ is not allowed') }] });
    const nested = await post('{"name":"Eve","email":"eve@acme.test","workingHours":{"constructor":{"prototype":{"x":1}}}}');
    expect(nested.statusCode).toBe(400);
    expect(nested.json().errors[0].field).toBe('workingHours.constructor.prototype');
    expect(await t.db.manager.count({ where: { email: 'eve@acme.test' } })).toBe(0);
  });

  test('broken JSON says where; a wrong content type is a 415, not a list of missing fields', async () => {
    const broken = await post('{"name": "Eve",');
    expect(broken.statusCode).toBe(400);
    expect(broken.json().errors[0].message).toMatch(/not valid JSON \(.+\)/);
    const text = await post('{"name":"Eve","email":"eve@acme.test"}', 'text/plain');
    expect(text.statusCode).toBe(415);
    expect(text.json().error).toMatch(/application\/json/);
    expect((await post('name=Eve', 'application/x-www-form-urlencoded')).statusCode).toBe(415);
    expect((await post('{"name":"Eve","email":"eve@acme.test"}', 'application/json; charset=utf-8')).statusCode).toBe(201);
  });
});

test('the OpenAPI document puts security only on routes that need it, with their 401/403/429', async () => {
  const app = await api({}, [linksPlugin, managersPlugin, surveyPlugin]);
  const key = (await createApiKey(t.db, 'docs', ['intake'])).key;
  const doc = (await app.inject({ url: '/openapi.json', headers: { 'x-api-key': key } })).json();
  expect(doc.security).toBeUndefined();
  for (const [p, method] of [['/u/{token}', 'post'], ['/confirm/{token}', 'get'], ['/confirm/{token}', 'post'], ['/health', 'get']] as const) {
    expect([p, doc.paths[p][method].security]).toEqual([p, undefined]);
  }
  expect(Object.keys(doc.paths['/u/{token}'].post.responses)).toEqual(expect.arrayContaining(['200', '400', '403', '410', '429']));
  const add = doc.paths['/managers'].post;
  expect(add.security).toEqual([{ apiKey: [] }]);
  expect(Object.keys(add.responses).sort()).toEqual(['201', '400', '401', '403', '409', '413', '415', '429']);
  expect(add.responses['401'].content['application/json'].schema.properties.error).toEqual({ type: 'string' });
});
