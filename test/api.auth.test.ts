// API keys: required on protected routes, scoped, stored hashed, rate-limited per key.
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { createApiKey, devApiKey, guarded, hashApiKey, revokeApiKey } from '../api/auth';
import { buildApi, type ApiPlugin } from '../api/server';
import { loadConfig } from '../runtime/config';
import { createTestDb, type TestDb } from './helpers/db';

let t: TestDb;
let app: FastifyInstance;

beforeAll(async () => {
  t = await createTestDb();
  const config = loadConfig({ DATA_DIR: '/tmp/leadflow-auth-test', LINK_SIGNING_SECRET: 's'.repeat(40), API_RATE_LIMIT_PER_MINUTE: '5' });
  const deps = { db: t.db, temporal: {} as Client, config };
  const routes: ApiPlugin = async (a) => {
    a.get('/intake-thing', { ...guarded(deps, 'intake') }, async (req) => ({ by: req.apiKey?.name }));
    a.get('/admin-thing', { ...guarded(deps, 'admin') }, async (req) => ({ by: req.apiKey?.name }));
  };
  app = await buildApi(deps, [routes]);
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

test('no key: 401; unknown key: 401; key without the scope: 403; right scope or admin: 200', async () => {
  const intake = await createApiKey(t.db, 'website form', ['intake']);
  const admin = await createApiKey(t.db, 'ops', ['admin']);
  expect((await app.inject({ url: '/intake-thing' })).statusCode).toBe(401);
  expect((await app.inject({ url: '/intake-thing', headers: { authorization: 'Bearer lf_nope' } })).statusCode).toBe(401);
  const wrong = await app.inject({ url: '/admin-thing', headers: { authorization: `Bearer ${intake.key}` } });
  expect(wrong.statusCode).toBe(403);
  expect(wrong.json().error).toMatch(/admin/);
  expect((await app.inject({ url: '/intake-thing', headers: { 'x-api-key': intake.key } })).json()).toEqual({ by: 'website form' });
  expect((await app.inject({ url: '/intake-thing', headers: { authorization: `Bearer ${admin.key}` } })).statusCode).toBe(200);
  expect((await app.inject({ url: '/admin-thing', headers: { authorization: `Bearer ${admin.key}` } })).statusCode).toBe(200);
});

test('keys are stored as hashes only, and a revoked key stops working', async () => {
  const k = await createApiKey(t.db, 'partner', ['intake']);
  const row = await t.db.apiKey.findUniqueOrThrow({ where: { id: k.id } });
  expect(row.keyHash).toBe(hashApiKey(k.key));
  expect(JSON.stringify(row)).not.toContain(k.key);
  expect((await app.inject({ url: '/intake-thing', headers: { 'x-api-key': k.key } })).statusCode).toBe(200);
  expect(await revokeApiKey(t.db, k.id)).toBe(true);
  expect((await app.inject({ url: '/intake-thing', headers: { 'x-api-key': k.key } })).statusCode).toBe(401);
});

test('bad scopes or names are refused when creating a key', async () => {
  await expect(createApiKey(t.db, ' ', ['intake'])).rejects.toThrow(/name/);
  await expect(createApiKey(t.db, 'x', [])).rejects.toThrow(/scopes/);
});

test('rate limit is per key: one noisy key gets 429, another key still passes', async () => {
  const noisy = await createApiKey(t.db, 'noisy', ['intake']);
  const quiet = await createApiKey(t.db, 'quiet', ['intake']);
  const codes: number[] = [];
  for (let i = 0; i < 7; i++) codes.push((await app.inject({ url: '/intake-thing', headers: { 'x-api-key': noisy.key } })).statusCode);
  expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
  expect(codes.slice(5)).toEqual([429, 429]);
  expect((await app.inject({ url: '/intake-thing', headers: { 'x-api-key': quiet.key } })).statusCode).toBe(200);
  // Health stays unlimited (and unauthenticated).
  for (let i = 0; i < 7; i++) expect([200, 503]).toContain((await app.inject({ url: '/health' })).statusCode);
});

test('the local admin key of npm start is made once, kept in the data folder, and renewed if revoked', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'leadflow-devkey-'));
  const k1 = await devApiKey(t.db, dir);
  expect(await devApiKey(t.db, dir)).toBe(k1);
  expect((await app.inject({ url: '/admin-thing', headers: { 'x-api-key': k1 } })).statusCode).toBe(200);
  const row = await t.db.apiKey.findUniqueOrThrow({ where: { keyHash: hashApiKey(k1) } });
  await revokeApiKey(t.db, row.id);
  const k2 = await devApiKey(t.db, dir);
  expect(k2).not.toBe(k1);
  expect((await app.inject({ url: '/admin-thing', headers: { 'x-api-key': k2 } })).statusCode).toBe(200);
});

test('the OpenAPI document (intake key) covers the routes of every feature plugin', async () => {
  const k = await createApiKey(t.db, 'docs', ['intake']);
  expect((await app.inject({ url: '/openapi.json' })).statusCode).toBe(401);
  const doc = (await app.inject({ url: '/openapi.json', headers: { 'x-api-key': k.key } })).json();
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/intake-thing', '/admin-thing', '/health']));
});
