// Managers' re-contact tasks through the API: admin keys only, listed per manager (filtered by
// status), closed once (done or cancelled) and the lead's workflow told; bad input 400 naming the
// field, unknown 404, closed 409.
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
let anna: string;
let bob: string;
const signalled: { workflowId: string; args: unknown[] }[] = [];
let signalFails = false;

beforeAll(async () => {
  t = await createTestDb();
  const config = loadConfig({ DATA_DIR: '/tmp/leadflow-recontact-api-test', LINK_SIGNING_SECRET: 'r'.repeat(40) });
  // Only the signal path of the client is used; the real signal is exercised in recontact.workflow.
  const signal = async (workflowId: string, args: unknown[]) => {
    if (signalFails) throw new Error('temporal unavailable');
    signalled.push({ workflowId, args });
  };
  const temporal = { workflow: { getHandle: (workflowId: string) => ({ signal: (...args: unknown[]) => signal(workflowId, args) }) } } as unknown as Client;
  app = await buildApi({ db: t.db, temporal, config }, [managersPlugin]);
  admin = (await createApiKey(t.db, 'ops', ['admin'])).key;
  intake = (await createApiKey(t.db, 'form', ['intake'])).key;
  const manager = async (name: string) => (await t.db.manager.create({ data: { name, email: `${name}@sales.test`, languages: [], regions: [], workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }, outOfOffice: [] } })).id;
  anna = await manager('anna');
  bob = await manager('bob');
  await t.db.lead.create({ data: { id: 'RC1', email: 'rc1@x.test', locale: 'pl', source: 'web_form', workflowId: 'lead-RC1', stage: 'nurturing' } });
  const task = (n: number, managerId: string, dueAt: string) =>
    t.db.task.create({ data: { id: `task-${n}`, dedupKey: `RC1:recontact:${n}`, kind: 'recontact', leadId: 'RC1', managerId, title: `Re-contact ${n}`, details: { why: 'knew the lead before', survey: { reason: 'bad_timing' } }, dueAt: new Date(dueAt) } });
  await task(2, anna, '2027-05-01T08:00:00Z');
  await task(1, anna, '2027-04-01T08:00:00Z');
  await task(3, bob, '2027-04-15T08:00:00Z');
});
afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

const call = (method: 'GET' | 'POST', url: string, payload?: unknown, key = admin) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) });

test('admin keys only: no key 401, an intake key 403, and nothing is closed', async () => {
  expect((await app.inject({ url: `/managers/${anna}/tasks` })).statusCode).toBe(401);
  expect((await call('GET', `/managers/${anna}/tasks`, undefined, intake)).statusCode).toBe(403);
  expect((await call('POST', '/tasks/task-1/close', { status: 'done' }, intake)).statusCode).toBe(403);
  expect((await t.db.task.findUniqueOrThrow({ where: { id: 'task-1' } })).status).toBe('open');
});

test("a manager's tasks, oldest due first, with what they hold; only theirs; 404 for an unknown manager", async () => {
  const r = await call('GET', `/managers/${anna}/tasks?status=open`);
  expect(r.statusCode).toBe(200);
  const tasks = r.json().tasks as { id: string; status: string; details: { why: string; survey: unknown }; dueAt: string }[];
  expect(tasks.map((x) => x.id)).toEqual(['task-1', 'task-2']);
  expect(tasks[0]).toMatchObject({ status: 'open', leadId: 'RC1', managerId: anna, details: { why: 'knew the lead before', survey: { reason: 'bad_timing' } }, dueAt: '2027-04-01T08:00:00.000Z', closedAt: null });
  expect((await call('GET', `/managers/${bob}/tasks`)).json().tasks.map((x: { id: string }) => x.id)).toEqual(['task-3']);
  expect((await call('GET', '/managers/nobody/tasks')).statusCode).toBe(404);
  const bad = await call('GET', `/managers/${anna}/tasks?status=later`);
  expect(bad.statusCode).toBe(400);
  expect(bad.json().errors).toEqual([expect.objectContaining({ field: 'status' })]);
});

test('closing: 400 naming the field, 404 unknown, done once, then 409; the open list shrinks', async () => {
  for (const body of [{ status: 'open' }, { status: 'finished' }, {}]) {
    const r = await call('POST', '/tasks/task-1/close', body);
    expect(r.statusCode).toBe(400);
    expect(r.json().errors).toEqual([expect.objectContaining({ field: 'status' })]);
  }
  const extra = await call('POST', '/tasks/task-1/close', { status: 'done', note: 'x' });
  expect(extra.statusCode).toBe(400);
  expect(extra.json().errors[0].field).toBe('note');
  expect((await t.db.task.findUniqueOrThrow({ where: { id: 'task-1' } })).status).toBe('open');
  expect((await call('POST', '/tasks/nope/close', { status: 'done' })).statusCode).toBe(404);
  expect(signalled).toEqual([]);

  // Two closes at once: one wins, the other is told it was already closed.
  const [a, b] = await Promise.all([call('POST', '/tasks/task-1/close', { status: 'done' }), call('POST', '/tasks/task-1/close', { status: 'cancelled' })]);
  expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
  const won = a.statusCode === 200 ? a : b;
  expect(won.json()).toMatchObject({ id: 'task-1', status: a.statusCode === 200 ? 'done' : 'cancelled', closedAt: expect.any(String) });
  const lost = a.statusCode === 200 ? b : a;
  expect(lost.json()).toMatchObject({ error: expect.stringMatching(/already/), errors: [{ field: 'status' }] });
  // The lead's workflow is told once, by the close that won.
  expect(signalled).toEqual([{ workflowId: 'lead-RC1', args: [expect.objectContaining({ name: 'recontactTaskClosed' }), { taskId: 'task-1', status: won.json().status }] }]);

  expect((await call('GET', `/managers/${anna}/tasks?status=open`)).json().tasks.map((x: { id: string }) => x.id)).toEqual(['task-2']);
  const all = (await call('GET', `/managers/${anna}/tasks`)).json().tasks as { id: string; status: string }[];
  expect(all.map((x) => x.id)).toEqual(['task-1', 'task-2']);
  // Temporal unreachable: the close still stands (the lead only keeps preferring that manager).
  signalFails = true;
  const r3 = await call('POST', '/tasks/task-3/close', { status: 'cancelled' });
  expect(r3.statusCode).toBe(200);
  expect(r3.json()).toMatchObject({ status: 'cancelled' });
  expect((await t.db.task.findUniqueOrThrow({ where: { id: 'task-3' } })).status).toBe('cancelled');
});
