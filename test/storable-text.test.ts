// Text the database cannot store (NUL, half an emoji) is refused where it enters, naming the field,
// on every API route: free text (a manager's name, an out-of-office note, event data, a survey
// comment) and parameters alike, and in published content. It used to reach PostgreSQL and come back
// as a 500 (Schemathesis found an out-of-office note with a NUL). Text a sender's mail client wrote
// (an inbound subject) is kept without it instead of refusing the mail. A whole emoji is text like
// any other.
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { createLeadStoreActivities } from '../activities/leads/lead-store';
import { createApiKey } from '../api/auth';
import { createIntakePlugin } from '../api/intake';
import { managersPlugin } from '../api/managers';
import { buildApi } from '../api/server';
import { surveyPlugin } from '../api/survey';
import { surveyWords } from '../api/survey-words';
import { escape } from 'html-escaper';
import { publishOffer, publishTemplate, PublishError } from '../domain/content/catalogue';
import { prismaContentStore } from '../domain/content/prisma-store';
import { createEmailVerifier } from '../domain/intake/email-verification';
import { signLink, SURVEY_TTL_MS } from '../domain/mail/links';
import { UNSTORABLE_TEXT_MESSAGE } from '../domain/storable-text';
import { loadConfig } from '../runtime/config';
import { createTestDb, type TestDb } from './helpers/db';
import { fakeResolver } from './intake.helpers';

const SECRET = 's'.repeat(40);
let t: TestDb;
let api: FastifyInstance;
let key: string;
// Every request here is refused or stored before any workflow: a Temporal call would be a bug.
const temporal = new Proxy({}, { get: () => { throw new Error('Temporal must not be called'); } }) as unknown as Client;

beforeAll(async () => {
  t = await createTestDb();
  const config = loadConfig({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'leadflow-text-')), LINK_SIGNING_SECRET: SECRET });
  api = await buildApi({ db: t.db, temporal, config }, [createIntakePlugin({ verifier: createEmailVerifier({ resolver: fakeResolver }) }), managersPlugin, surveyPlugin]);
  key = (await createApiKey(t.db, 'ops', ['admin', 'intake'])).key;
  await t.db.lead.create({ data: { id: 'L1', email: 'l1@acme.test', source: 'web_form', workflowId: 'lead-L1' } });
});
afterAll(async () => {
  await api?.close();
  await t?.cleanup();
});

/** NUL, a high surrogate alone, a low surrogate alone. */
const BAD = ['\u0000', '\ud9f8', '\udd69'];
const named = (c: string): string => `U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => api.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
const period = (note: string) => ({ from: '2026-12-20T09:00:00+01:00', to: '2027-01-03T17:00:00+01:00', note });

test('JSON bodies: 400 naming the field, nothing written, for NUL and for each half of a surrogate pair', async () => {
  const anna = (await call('POST', '/managers', { name: 'Anna', email: 'anna@sales.test', languages: ['pl'] })).json<{ id: string }>();
  for (const c of BAD) {
    const cases: [string, () => ReturnType<typeof call>][] = [
      ['name', () => call('POST', '/managers', { name: `An${c}na`, email: `x${BAD.indexOf(c)}@sales.test`, languages: ['pl'] })],
      ['note', () => call('POST', `/managers/${anna.id}/out-of-office`, period(`away${c}V`))],
      ['outOfOffice.0.note', () => call('PATCH', `/managers/${anna.id}`, { outOfOffice: [period(`x${c}`)] })],
      ['data.comment', () => call('POST', '/leads/L1/events', { id: `e-${named(c)}`, type: 'page_viewed', data: { comment: `a${c}b` } })],
    ];
    for (const [field, send] of cases) {
      const r = await send();
      expect({ c: named(c), field, status: r.statusCode, body: r.json() }).toEqual({ c: named(c), field, status: 400, body: { error: 'invalid request', errors: [{ field, message: UNSTORABLE_TEXT_MESSAGE }] } });
    }
  }
  expect(await t.db.manager.count()).toBe(1);
  expect((await t.db.manager.findUniqueOrThrow({ where: { id: anna.id } })).outOfOffice).toEqual([]);
});

test('parameters: a NUL in a path parameter is a 400 naming it, not a database error', async () => {
  for (const url of ['/leads/L%001', '/managers/a%00b']) {
    const r = await call('GET', url);
    expect({ url, status: r.statusCode, body: r.json() }).toEqual({ url, status: 400, body: { error: 'invalid request', errors: [{ field: 'id', message: UNSTORABLE_TEXT_MESSAGE }] } });
  }
});

test('a whole emoji (a surrogate pair) is stored and read back as sent', async () => {
  const m = (await call('POST', '/managers', { name: 'Olga 🌴', email: 'olga@sales.test', languages: ['ru'] })).json<{ id: string; name: string }>();
  expect(m.name).toBe('Olga 🌴');
  const away = await call('POST', `/managers/${m.id}/out-of-office`, period('🎄 back in January'));
  expect(away.statusCode).toBe(201);
  expect(away.json()).toMatchObject({ outOfOffice: [{ note: '🎄 back in January' }] });
});

test("survey comment: the form comes back with the lead's own words for it, nothing stored", async () => {
  const token = signLink('survey', { l: 'L1' }, SECRET, SURVEY_TTL_MS);
  // A browser does not send it, a script can. (Half a surrogate cannot arrive this way: a form is
  // UTF-8, and its decoder turns one into U+FFFD.)
  for (const c of ['%00', 'a%00%00b']) {
    const r = await api.inject({ method: 'POST', url: `/survey/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `reason=other&timing=not_sure&comment=too${c}+expensive` });
    expect({ c, status: r.statusCode, message: r.body.includes(escape(surveyWords('en').commentInvalid)) }).toEqual({ c, status: 400, message: true });
  }
  expect(await t.db.surveyResponse.count()).toBe(0);
});

test("inbound mail: a NUL in the sender's subject or Message-ID is dropped, the mail kept", async () => {
  const raw = ['From: L1 <l1@acme.test>', 'To: sales@leadflow.test', 'Subject: =?UTF-8?Q?Re:_pri=00cing?=', 'Message-ID: <n\u0000ul@mail.test>', 'Date: Mon, 23 Nov 2026 10:00:00 +0000', '', 'Call me.', ''].join('\r\n');
  const r = await api.inject({ method: 'POST', url: '/inbound/mail', payload: raw, remoteAddress: '203.0.113.50', headers: { authorization: `Bearer ${key}`, 'content-type': 'message/rfc822' } });
  expect(r.statusCode).toBe(202);
  const kept = await t.db.leadEvent.findMany({ where: { leadId: 'L1', type: 'inbound_mail_unverified' } });
  expect(kept.map((e) => e.payload)).toEqual([{ subject: 'Re: pricing', messageId: '<nul@mail.test>' }]);
});

test('published content: the field is named, nothing published', async () => {
  const store = prismaContentStore(t.db, { cacheMs: 0 });
  await expect(publishTemplate(store, 'xmas', { subject: { en: 'Merry\u0000Christmas' } })).rejects.toThrow(new PublishError(`template xmas: subject.en ${UNSTORABLE_TEXT_MESSAGE}`));
  await expect(publishOffer(store, { id: 'spring', name: 'half \ud83c' } as never)).rejects.toThrow(/^offer spring: name must be valid Unicode/);
  expect(await t.db.contentVersion.count()).toBe(0);
  expect((await publishTemplate(store, 'xmas', { subject: { en: 'Merry Christmas 🎄' } })).status).toBe('published');
});

test("an event signalled straight to a workflow (Temporal UI) with a NUL is written without it; the lead's later events are not held up", async () => {
  const store = createLeadStoreActivities({ db: t.db });
  const at = new Date().toISOString();
  await store.persistLead('L1', [{ dedupKey: 'L1:ui:1\u0000', type: 'page_viewed', occurredAt: at, reason: 'by\u0000hand', payload: { 'u\u0000rl': 'https://acme.test/\u0000x', note: 'half \ud83c' } }], null);
  await store.persistLead('L1', [{ dedupKey: 'L1:ui:2', type: 'page_viewed', occurredAt: at, payload: { note: 'fine 🎄' } }], null);
  const rows = await t.db.leadEvent.findMany({ where: { leadId: 'L1', type: 'page_viewed' }, orderBy: { dedupKey: 'asc' } });
  expect(rows.map((r) => [r.dedupKey, r.reason, r.payload])).toEqual([
    ['L1:ui:1', 'byhand', { url: 'https://acme.test/x', note: 'half \uFFFD' }],
    ['L1:ui:2', null, { note: 'fine 🎄' }],
  ]);
});
