// The manager API: admin keys only, validation naming the field, create/update/deactivate,
// out-of-office periods, and waking the queue when a change frees capacity.
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { createApiKey } from '../api/auth';
import { managersPlugin } from '../api/managers';
import { buildApi } from '../api/server';
import { loadConfig } from '../runtime/config';
import { createTestDb, type TestDb } from './helpers/db';

let t: TestDb;
let app: FastifyInstance;
let admin: string;
let intake: string;
const signalled: { workflowId: string; args: unknown[] }[] = [];

beforeAll(async () => {
  t = await createTestDb();
  const config = loadConfig({ DATA_DIR: '/tmp/leadflow-managers-test', LINK_SIGNING_SECRET: 'm'.repeat(40) });
  // Only the signal path of the client is used here; the real signal is exercised in handoff.stack.
  const temporal = { workflow: { getHandle: (workflowId: string) => ({ signal: async (...args: unknown[]) => void signalled.push({ workflowId, args }) }) } } as unknown as Client;
  app = await buildApi({ db: t.db, temporal, config }, [managersPlugin]);
  admin = (await createApiKey(t.db, 'ops', ['admin'])).key;
  intake = (await createApiKey(t.db, 'form', ['intake'])).key;
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, key = admin) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) });

const anna = { name: 'Anna Kowalska', email: 'Anna@Sales.test', languages: ['pl', 'en'], regions: ['PL'], tier: 1, conversionRate: 0.32, capacity: 2, timezone: 'Europe/Warsaw' };

test('admin keys only: no key 401, an intake key 403', async () => {
  expect((await app.inject({ url: '/managers' })).statusCode).toBe(401);
  expect((await call('GET', '/managers', undefined, intake)).statusCode).toBe(403);
  expect((await call('POST', '/managers', anna, intake)).statusCode).toBe(403);
  expect(await t.db.manager.count()).toBe(0);
});

test('bad input gets 400 naming the field, and nothing is written', async () => {
  const bad = async (body: unknown, field: string, message: RegExp): Promise<void> => {
    const r = await call('POST', '/managers', body);
    expect(r.statusCode).toBe(400);
    expect(r.json().errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, message: expect.stringMatching(message) })]));
  };
  await bad({ ...anna, email: 'nope' }, 'email', /e-mail/);
  await bad({ ...anna, timezone: 'Mars/Olympus' }, 'timezone', /IANA/);
  await bad({ ...anna, capacity: -1 }, 'capacity', /./);
  await bad({ ...anna, conversionRate: 1.5 }, 'conversionRate', /./);
  await bad({ ...anna, languages: ['Polish'] }, 'languages.0', /ISO 639/);
  await bad({ ...anna, regions: ['pl'] }, 'regions.0', /ISO 3166/);
  await bad({ ...anna, workingHours: { days: [1, 2], start: '17:00', end: '09:00' } }, 'workingHours.end', /after start/);
  await bad({ ...anna, workingHours: { days: [8], start: '09:00', end: '17:00' } }, 'workingHours.days.0', /./);
  await bad({ ...anna, outOfOffice: [{ from: '2026-12-10T00:00:00Z', to: '2026-12-01T00:00:00Z' }] }, 'outOfOffice.0.to', /after from/);
  await bad({ email: 'x@y.test' }, 'name', /./);
  const unknown = await call('POST', '/managers', { ...anna, salary: 1 });
  expect(unknown.statusCode).toBe(400);
  expect(JSON.stringify(unknown.json())).toMatch(/salary/);
  expect(await t.db.manager.count()).toBe(0);
});

test('create, read, update, out-of-office, deactivate; duplicates and unknown ids answered', async () => {
  const created = await call('POST', '/managers', anna);
  expect(created.statusCode).toBe(201);
  const m = created.json();
  expect(m).toMatchObject({ name: 'Anna Kowalska', email: 'anna@sales.test', tier: 1, capacity: 2, openLeads: 0, active: true, away: false, freeSlots: 2, workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' } });
  expect((await call('POST', '/managers', { ...anna, name: 'Again' })).statusCode).toBe(409);
  expect((await call('GET', `/managers/${m.id}`)).json().name).toBe('Anna Kowalska');
  expect((await call('GET', '/managers/nope')).statusCode).toBe(404);
  expect((await call('PATCH', '/managers/nope', { capacity: 3 })).statusCode).toBe(404);

  const patched = await call('PATCH', `/managers/${m.id}`, { capacity: 5, workingHours: { days: [1, 2, 3, 4], start: '08:00', end: '16:00' } });
  expect(patched.statusCode).toBe(200);
  expect(patched.json()).toMatchObject({ capacity: 5, tier: 1, languages: ['pl', 'en'], workingHours: { days: [1, 2, 3, 4], start: '08:00', end: '16:00' } });
  expect((await call('PATCH', `/managers/${m.id}`, {})).statusCode).toBe(400);

  const from = new Date(Date.now() - 3_600_000).toISOString();
  const to = new Date(Date.now() + 7 * 86_400_000).toISOString();
  const ooo = await call('POST', `/managers/${m.id}/out-of-office`, { from, to, note: 'holiday' });
  expect(ooo.statusCode).toBe(201);
  expect(ooo.json()).toMatchObject({ away: true, outOfOffice: [{ from, to, note: 'holiday' }] });
  expect((await call('POST', `/managers/${m.id}/out-of-office`, { from: to, to: from })).statusCode).toBe(400);
  const back = await call('PATCH', `/managers/${m.id}`, { outOfOffice: [] });
  expect(back.json().away).toBe(false);

  const gone = await call('DELETE', `/managers/${m.id}`);
  expect(gone.json()).toMatchObject({ active: false, away: true });
  expect((await call('GET', '/managers?active=true')).json().managers).toHaveLength(0);
  expect((await call('GET', '/managers')).json().managers).toHaveLength(1);
  expect((await call('DELETE', '/managers/nope')).statusCode).toBe(404);
});

test('raising a capacity wakes the longest-waiting queued leads that manager can take', async () => {
  const olga = (await call('POST', '/managers', { name: 'Olga', email: 'olga@sales.test', languages: ['ru'], capacity: 0 })).json();
  const now = Date.now();
  for (const [id, locale, minutesAgo] of [['w-ru-new', 'ru', 5], ['w-ru-old', 'ru', 40], ['w-en', 'en', 90], ['w-ru-mid', 'ru', 20]] as const) {
    await t.db.lead.create({ data: { id, email: `${id}@lead.test`, source: 'chat', workflowId: `lead-${id}`, locale, stage: 'sql' } });
    await t.db.leadEvent.create({ data: { leadId: id, type: 'queued_for_manager', dedupKey: `${id}:q`, occurredAt: new Date(now - minutesAgo * 60_000) } });
  }
  signalled.length = 0;
  const r = await call('PATCH', `/managers/${olga.id}`, { capacity: 2 });
  expect(r.json().wokenLeads).toEqual(['w-ru-old', 'w-ru-mid']);
  expect(signalled.map((s) => s.workflowId)).toEqual(['lead-w-ru-old', 'lead-w-ru-mid']);
  expect(signalled[0].args[0]).toMatchObject({ name: 'managerCapacityFreed' });
  expect(signalled[0].args[1]).toMatchObject({ managerId: olga.id, reason: expect.stringMatching(/capacity/) });
  // Away managers wake nobody.
  signalled.length = 0;
  const away = { from: new Date(now - 60_000).toISOString(), to: new Date(now + 86_400_000).toISOString() };
  expect((await call('PATCH', `/managers/${olga.id}`, { capacity: 3, outOfOffice: [away] })).json().wokenLeads).toEqual([]);
  expect(signalled).toEqual([]);
});
