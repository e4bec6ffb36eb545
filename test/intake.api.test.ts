// The intake API on a real Temporal (time-skipping test server) with in-memory activities:
// validation (fuzzed), address checks, API keys, dedup under concurrency, events, inbound mail,
// the lead read-out and the OpenAPI document.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { addressHash, suppressRow } from '../domain/mail/email-hash';
import { createApiKey } from '../api/auth';
import { createIntakePlugin } from '../api/intake';
import { buildApi } from '../api/server';
import { loadConfig } from '../runtime/config';
import { createEmailVerifier } from '../domain/intake/email-verification';
import { leadBodySchema } from '../domain/intake/lead-input';
import { stateQuery } from '../workflows/lead/messages';
import { createTestDb, type TestDb } from './helpers/db';
import { eventuallyValue } from './helpers/eventually';
import { createTimeSkippingEnv } from './helpers/temporal';
import { fakeResolver, intakeApi, validLead, type IntakeApi } from './intake.helpers';
import { fakeWorld, type FakeWorld } from './support/fake-activities';
import { settled, startWorkers, terminateLeftovers } from './support/lead-harness';

let env: TestWorkflowEnvironment;
let t: TestDb;
let s: IntakeApi;
let world: FakeWorld;
const taskQueue = `intake-api-${process.pid}`;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  t = await createTestDb();
  s = await intakeApi(t, env.client, taskQueue);
  world = fakeWorld();
}, 120_000);

afterAll(async () => {
  await s?.api.close();
  // Workflows this file started (the time-skipping server has no visibility list).
  for (const l of (await t?.db.lead.findMany({ select: { workflowId: true } })) ?? []) await env.client.workflow.getHandle(l.workflowId).terminate('test cleanup').catch(() => undefined);
  await terminateLeftovers(env);
  await t?.cleanup();
  await env?.teardown();
});

const post = (url: string, payload: unknown, key: 'intake' | 'admin' | null = 'intake') =>
  s.api.inject({ method: 'POST', url, payload: payload as Record<string, unknown>, headers: key ? s.auth(key) : {} });

/** A field of the body and values the schema must refuse there. */
const corruptions: [string, fc.Arbitrary<unknown>][] = [
  ['email', fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constantFrom('a@', '@b.test', 'a b@c.test', `${'x'.repeat(250)}@a.test`, 'ola@@acme.test'))],
  ['firstName', fc.oneof(fc.constantFrom('', '   ', null, 42, 'x'.repeat(101)), fc.array(fc.string()))],
  ['lastName', fc.constantFrom('', 7, 'y'.repeat(101))],
  ['companySize', fc.oneof(fc.integer({ max: 0 }), fc.double({ noInteger: true }), fc.string(), fc.constant(1e8))],
  ['phone', fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('call me', '+1', 12345, '<script>'))],
  ['website', fc.constantFrom('ftp://acme.test', 'not a url', 'javascript:alert(1)', 3)],
  ['country', fc.oneof(fc.string().filter((x) => !/^[A-Za-z]{2}$/.test(x)), fc.integer())],
  ['locale', fc.constantFrom('polish', 'EN', 'p', '', 5)],
  ['timezone', fc.constantFrom('Mars/Olympus', 'UTC+25', '', 'Europe/Nowhere')],
  ['source', fc.constantFrom(undefined, 'web', null, {}, { channel: 'fax' })],
  ['source.channel', fc.oneof(fc.string(), fc.constant(undefined))],
  ['source.campaign', fc.constantFrom('bad id!', '', 'x'.repeat(101))],
  ['source.utm', fc.constantFrom({ source: 'google' }, { medium: 'cpc' }, 'utm_source=google', { source: 'g', medium: 'c', gclid: 'x' })],
  ['consent', fc.constantFrom({ status: 'maybe', textVersion: 'v1' }, { status: 'pending' }, 'yes', { status: 'confirmed', textVersion: '' })],
  ['eventId', fc.constantFrom('', 5, 'e'.repeat(201))],
];

function corrupt(body: Record<string, unknown>, field: string, value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  const keys = field.split('.');
  let target = copy as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) target = target[k] as Record<string, unknown>;
  if (value === undefined) delete target[keys.at(-1)!];
  else target[keys.at(-1)!] = value;
  return copy;
}

describe('POST /leads validation', () => {
  test('fuzzed bad payloads always get 400 naming the field, and nothing is written', async () => {
    const spy = jest.spyOn(env.client.workflow, 'signalWithStart');
    const bad = fc
      .constantFrom(...corruptions)
      .chain(([field, values]) => values.map((v) => ({ field, body: corrupt(validLead(), field, v) })))
      // Only payloads the schema must refuse (a random string can be a valid name).
      .filter(({ body }) => !leadBodySchema.safeParse(body).success);
    const unknownKey = fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !(k in validLead()) && !['__proto__', 'constructor'].includes(k)).map((k) => ({ field: k, body: { ...validLead(), [k]: 'x' } }));
    await fc.assert(
      fc.asyncProperty(fc.oneof({ arbitrary: bad, weight: 5 }, { arbitrary: unknownKey, weight: 1 }), async ({ field, body }) => {
        const res = await post('/leads', body);
        expect(res.statusCode).toBe(400);
        const errors = res.json().errors as { field: string; message: string }[];
        expect(errors.some((e) => e.field === field || e.field.startsWith(`${field}.`))).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(await t.db.lead.count()).toBe(0);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  test('not JSON, too large, or no body: 400/413, nothing written', async () => {
    const raw = await s.api.inject({ method: 'POST', url: '/leads', payload: '{"email":', headers: { ...s.auth('intake'), 'content-type': 'application/json' } });
    expect(raw.statusCode).toBe(400);
    const big = await post('/leads', validLead({ company: 'x'.repeat(20_000) }));
    expect(big.statusCode).toBe(413);
    const none = await s.api.inject({ method: 'POST', url: '/leads', headers: s.auth('intake') });
    expect(none.statusCode).toBe(400);
    expect(await t.db.lead.count()).toBe(0);
  });

  test.each([
    ['ola@mailinator.com', /disposable/],
    ['ola@nx-acme.test', /does not exist/],
    ['ola@nomail.test', /no mail server/],
    ['ola@nullmx.test', /null MX/],
    ['ola@acme.invalid', /reserved/],
  ])('address %s is refused before it enters: 400 on email', async (email, reason) => {
    const res = await post('/leads', validLead({ email }));
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: 'email', message: expect.stringMatching(reason) }]);
    expect(await t.db.lead.count({ where: { email } })).toBe(0);
  });

  test('unknown campaign: 400 on source.campaign; suppressed address: 409; nothing written', async () => {
    const c = await post('/leads', validLead({ email: 'camp@acme.test', source: { channel: 'landing_page', campaign: 'no-such-campaign' } }));
    expect(c.statusCode).toBe(400);
    expect(c.json().errors[0].field).toBe('source.campaign');
    await suppressRow(t.db, await addressHash(t.db, 'gone@acme.test'), 'unsubscribed');
    const g = await post('/leads', validLead({ email: ' Gone@Acme.test ' }));
    expect(g.statusCode).toBe(409);
    expect(await t.db.lead.count()).toBe(0);
  });
});

describe('API keys', () => {
  const guardedRoutes = [
    ['POST', '/leads'],
    ['POST', '/leads/x/events'],
    ['POST', '/events'],
    ['POST', '/inbound/mail'],
    ['GET', '/leads/x'],
    ['GET', '/leads?email=a@b.test'],
    ['GET', '/leads/x/export'],
    ['POST', '/leads/x/erase'],
    ['GET', '/openapi.json'],
  ] as const;

  test.each(guardedRoutes)('%s %s: 401 without a key or with a wrong one', async (method, url) => {
    expect((await s.api.inject({ method, url })).statusCode).toBe(401);
    expect((await s.api.inject({ method, url, headers: { authorization: 'Bearer lf_nope' } })).statusCode).toBe(401);
    expect((await s.api.inject({ method, url, headers: { 'x-api-key': 'lf_nope' } })).statusCode).toBe(401);
  });

  test('admin routes refuse an intake key (403); an admin key passes every scope', async () => {
    for (const [method, url] of [['GET', '/leads/x'], ['GET', '/leads/x/export'], ['POST', '/leads/x/erase'], ['GET', '/leads?email=a@b.test']] as const) {
      expect((await s.api.inject({ method, url, headers: s.auth('intake') })).statusCode).toBe(403);
      expect((await s.api.inject({ method, url, headers: s.auth('admin') })).statusCode).toBe(404);
    }
    expect((await s.api.inject({ method: 'GET', url: '/openapi.json', headers: { 'x-api-key': s.keys.admin } })).statusCode).toBe(200);
  });

  test('rate limit per key: one noisy key gets 429, another key is not affected', async () => {
    const limited = await buildApi({ db: t.db, temporal: env.client, config: loadConfig({ DATA_DIR: s.config.DATA_DIR, TASK_QUEUE: taskQueue, LINK_SIGNING_SECRET: 's'.repeat(40), API_RATE_LIMIT_PER_MINUTE: '3' }) }, [createIntakePlugin({ verifier: createEmailVerifier({ resolver: fakeResolver }) })]);
    const other = (await createApiKey(t.db, 'quiet', ['intake'])).key;
    const hit = (key: string) => limited.inject({ method: 'POST', url: '/leads/nope/events', headers: { authorization: `Bearer ${key}` }, payload: { id: 'e', type: 'page_viewed' } });
    expect([(await hit(s.keys.intake)).statusCode, (await hit(s.keys.intake)).statusCode, (await hit(s.keys.intake)).statusCode]).toEqual([404, 404, 404]);
    expect((await hit(s.keys.intake)).statusCode).toBe(429);
    expect((await hit(other)).statusCode).toBe(404);
    await limited.close();
  });

  test('public signed-link routes stay public (no 401 without a key)', async () => {
    for (const url of ['/confirm/abcdef.ghijkl', '/u/abcdef.ghijkl', '/c/abcdef.ghijkl', '/o/abcdef.ghijkl', '/health']) {
      const res = await s.api.inject({ method: 'GET', url });
      expect([200, 403, 503]).toContain(res.statusCode);
    }
  });
});

describe('intake on a real Temporal', () => {
  test('20 concurrent posts of one email make one lead and one workflow; merged fields, one event', async () => {
    await (await startWorkers(env, taskQueue, world.activities)).run(async () => {
      const res = await Promise.all(
        Array.from({ length: 20 }, (_, i) => post('/leads', validLead({ email: i % 2 ? 'Same@Acme.test' : ' same@acme.TEST ', jobTitle: i === 7 ? 'CEO' : 'Head of Marketing' }))),
      );
      expect(res.map((r) => r.statusCode).sort()).toEqual([...Array(19).fill(200), 201].sort());
      const ids = new Set(res.map((r) => r.json().leadId));
      expect(ids.size).toBe(1);
      expect(res.filter((r) => r.json().created)).toHaveLength(1);
      expect(await t.db.lead.count({ where: { email: 'same@acme.test' } })).toBe(1);
      const lead = await t.db.lead.findUniqueOrThrow({ where: { email: 'same@acme.test' } });
      expect(new Set(res.map((r) => r.json().workflowId))).toEqual(new Set([lead.workflowId]));
      // All 20 reach the one run (a second run would have split them); the form event (one idempotency
      // id) counts once. A query answers from the last finished workflow task: signals accepted by the
      // server may still be on their way in, so wait for them (bounded).
      const seen = async () => {
        const v = await env.client.workflow.getHandle(lead.workflowId).query(stateQuery);
        return { v, n: v.history.eventsReceived + v.history.duplicatesIgnored };
      };
      const { v: view, n } = await eventuallyValue(seen, (x) => x.n >= 20, 'all 20 posts handled', { everyMs: 100 });
      expect(n).toBeGreaterThanOrEqual(20);
      expect(view.score.events.filter((e) => e.type === 'form_submitted')).toHaveLength(1);
      expect(lead).toMatchObject({ source: 'web_form', country: 'PL', consentStatus: 'confirmed', consentTextVersion: 'tos-2026-01', consentSource: 'web_form', utm: { source: 'google', medium: 'cpc', campaign: 'spring' } });
      expect(lead.consentAt).toBeInstanceOf(Date);
    });
  });

  test('events by id and by email are idempotent; unknown lead 404; GET /leads/:id shows row and live state', async () => {
    await (await startWorkers(env, taskQueue, world.activities)).run(async () => {
      const created = await post('/leads', validLead({ email: 'events@acme.test' }));
      const { leadId } = created.json();
      const ev = { id: 'pv-1', type: 'page_viewed', data: { url: '/pricing' } };
      expect((await post(`/leads/${leadId}/events`, ev)).statusCode).toBe(202);
      expect((await post(`/leads/${leadId}/events`, ev)).statusCode).toBe(202);
      expect((await post('/events', { ...ev, email: 'EVENTS@acme.test' })).statusCode).toBe(202);
      expect((await post('/events', { id: 'w-1', type: 'webinar_attended', email: 'events@acme.test' })).statusCode).toBe(202);
      expect((await post('/leads/nope/events', ev)).statusCode).toBe(404);
      expect((await post('/events', { ...ev, email: 'nobody@acme.test' })).statusCode).toBe(404);
      const refused = await post(`/leads/${leadId}/events`, { id: 'x', type: 'deal_won' });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().errors[0].field).toBe('type');

      const view = await eventuallyValue(
        async () => {
          const r = await s.api.inject({ method: 'GET', url: `/leads/${leadId}`, headers: s.auth('admin') });
          expect(r.statusCode).toBe(200);
          return r.json();
        },
        (x) => x.workflow.state?.score.events.some((e: { type: string }) => e.type === 'webinar_attended'),
        'the webinar in the live state',
        { everyMs: 100 },
      );
      expect(view.lead).toMatchObject({ id: leadId, email: 'events@acme.test' });
      expect(view.workflow.status).toBe('RUNNING');
      expect(view.workflow.state.score.events.filter((e: { type: string }) => e.type === 'page_viewed')).toHaveLength(1);
      expect(view.workflow.state.history.duplicatesIgnored).toBeGreaterThanOrEqual(2);
    });
  });

  test('inbound mail: a reply from a known lead is a `replied` event; an unknown sender becomes a lead', async () => {
    await (await startWorkers(env, taskQueue, world.activities)).run(async () => {
      const { leadId } = (await post('/leads', validLead({ email: 'writer@acme.test' }))).json();
      const mail = (from: string, id: string) => `From: ${from}\r\nTo: sales@leadflow.test\r\nSubject: Re: pricing\r\nMessage-ID: <${id}@mail.test>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nSounds good, call me.\r\n`;
      const send = (raw: string, key: 'intake' | null = 'intake') => s.api.inject({ method: 'POST', url: '/inbound/mail', payload: raw, headers: { ...(key ? s.auth(key) : {}), 'content-type': 'message/rfc822' } });
      const known = await send(mail('"Writer" <Writer@Acme.test>', 'r1'));
      expect(known.statusCode).toBe(202);
      expect(known.json()).toMatchObject({ leadId, event: 'replied', recorded: true });
      const fresh = await send(mail('Jan Kowalski <jan@newco.test>', 'n1'));
      expect(fresh.statusCode).toBe(201);
      const lead = await t.db.lead.findUniqueOrThrow({ where: { email: 'jan@newco.test' } });
      expect(lead).toMatchObject({ source: 'inbound_mail', firstName: 'Jan', lastName: 'Kowalski', consentStatus: 'unknown' });
      expect((await send(mail('Jan <jan@newco.test>', 'n1'))).statusCode).toBe(202);
      // Later the same person fills in a form and gives consent: recorded with source, version, time.
      const form = await post('/leads', validLead({ email: 'jan@newco.test', firstName: 'Jan', consent: { status: 'confirmed', textVersion: 'tos-9' } }));
      expect(form.json()).toMatchObject({ leadId: lead.id, created: false });
      const consented = await t.db.lead.findUniqueOrThrow({ where: { id: lead.id } });
      expect(consented).toMatchObject({ consentStatus: 'confirmed', consentSource: 'web_form', consentTextVersion: 'tos-9', source: 'inbound_mail' });
      expect(consented.consentAt).toBeInstanceOf(Date);
      await post('/leads', validLead({ email: 'jan@newco.test', firstName: 'Jan', consent: { status: 'pending', textVersion: 'tos-10' } }));
      expect(await t.db.lead.findUniqueOrThrow({ where: { id: lead.id } })).toMatchObject({ consentStatus: 'confirmed', consentTextVersion: 'tos-9' });
      expect((await send('this is not a mail')).statusCode).toBe(400);
      expect((await send(mail('x <x@mailinator.com>', 'd1'))).statusCode).toBe(400);
      expect((await send(mail('a <a@b.test>', 'k1'), null)).statusCode).toBe(401);
      await settled(env.client.workflow.getHandle(`lead-${leadId}`), (v) => v.score.events.some((e) => e.type === 'replied'), 'the reply in the score', { everyMs: 100 });
    });
  });

  test('an address with an unreachable DNS still enters, marked unverified', async () => {
    const res = await post('/leads', validLead({ email: 'ola@dnsdown.test' }));
    expect(res.statusCode).toBe(201);
    expect(res.json().emailCheck).toBe('unverified');
  });
});

test('GET /openapi.json documents the routes from the same zod schemas', async () => {
  const res = await s.api.inject({ method: 'GET', url: '/openapi.json', headers: s.auth('intake') });
  expect(res.statusCode).toBe(200);
  const doc = res.json();
  expect(doc.openapi).toMatch(/^3\./);
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/leads', '/leads/{id}', '/leads/{id}/events', '/events', '/inbound/mail', '/leads/{id}/export', '/leads/{id}/erase']));
  const body = doc.paths['/leads'].post.requestBody.content['application/json'].schema;
  expect(body.required).toEqual(expect.arrayContaining(['email', 'firstName', 'source']));
  expect(body.properties.source.properties.channel.enum).toContain('web_form');
});
