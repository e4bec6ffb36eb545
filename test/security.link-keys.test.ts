// Signing keys with ids: every new token names its key, several keys verify, so a rotation keeps
// every link already sent working; a retired or unknown key id is refused; production refuses to
// start without a secret instead of inventing one in the data folder.
import type { Client } from '@temporalio/client';
import { execFile } from 'child_process';
import { createHmac } from 'crypto';
import { existsSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { promisify } from 'util';
import { linkBuilder, parseLinkKeys, signLink, verifyLink } from '../domain/mail/links';
import { linksPlugin } from '../api/links';
import { buildApi } from '../api/server';
import { loadConfig } from '../runtime/config';
import { createTestDb, type TestDb } from './helpers/db';

const OLD = 'o'.repeat(40);
const NEW = 'n'.repeat(40);
const dataDir = () => mkdtempSync(path.join(tmpdir(), 'leadflow-keys-'));

/** A token as sent before key ids existed: `body.mac`, the MAC over `${kind}.${body}`. */
function kidlessToken(kind: string, payload: Record<string, string>, secret: string): string {
  const body = Buffer.from(JSON.stringify({ p: payload })).toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(`${kind}.${body}`).digest('base64url')}`;
}

test('every new token names its key; the first key signs', () => {
  const keys = parseLinkKeys(`k2:${NEW},k1:${OLD}`);
  const token = signLink('u', { l: 'lead-1' }, keys);
  expect(token.split('.')).toHaveLength(3);
  expect(token.startsWith('k2.')).toBe(true);
  expect(signLink('u', { l: 'lead-1' }, OLD).startsWith('k0.')).toBe(true);
});

test('rotation keeps old links valid; unknown or retired key ids are refused', () => {
  const sentWithK1 = signLink('u', { l: 'lead-1' }, parseLinkKeys(`k1:${OLD}`));
  const rotated = parseLinkKeys(`k2:${NEW},k1:${OLD}`);
  expect(verifyLink('u', sentWithK1, rotated)).toEqual({ ok: true, payload: { l: 'lead-1' } });
  expect(verifyLink('u', signLink('u', { l: 'lead-2' }, rotated), rotated).ok).toBe(true);
  // k1 retired: its links stop working; a token naming a key we never had is refused alike.
  expect(verifyLink('u', sentWithK1, parseLinkKeys(`k2:${NEW}`))).toEqual({ ok: false, reason: 'forged' });
  expect(verifyLink('u', `k9.${sentWithK1.split('.').slice(1).join('.')}`, rotated)).toEqual({ ok: false, reason: 'forged' });
  // Re-labelling a token with another listed key id does not help: the id is under the MAC.
  expect(verifyLink('u', `k2.${sentWithK1.split('.').slice(1).join('.')}`, rotated)).toEqual({ ok: false, reason: 'forged' });
});

test('links sent before key ids (LINK_SIGNING_SECRET) keep working after moving to LINK_SIGNING_KEYS with the old secret as k0', () => {
  const legacy = kidlessToken('u', { l: 'lead-1' }, OLD);
  expect(verifyLink('u', legacy, OLD)).toEqual({ ok: true, payload: { l: 'lead-1' } });
  const cfg = loadConfig({ DATA_DIR: dataDir(), LINK_SIGNING_KEYS: `k1:${NEW},k0:${OLD}` });
  expect(verifyLink('u', legacy, cfg.LINK_SIGNING_SECRET)).toEqual({ ok: true, payload: { l: 'lead-1' } });
  expect(verifyLink('u', signLink('u', { l: 'lead-1' }, OLD), cfg.LINK_SIGNING_SECRET).ok).toBe(true);
  expect(verifyLink('u', legacy, loadConfig({ DATA_DIR: dataDir(), LINK_SIGNING_KEYS: `k1:${NEW}` }).LINK_SIGNING_SECRET).ok).toBe(false);
  // A kid-less token is checked against k0 only, never another key.
  expect(verifyLink('u', kidlessToken('u', { l: 'lead-1' }, NEW), cfg.LINK_SIGNING_SECRET).ok).toBe(false);
});

test('bad key lists are refused at start, naming the problem', () => {
  const bad = (v: string, extra: Record<string, string> = {}) => () => loadConfig({ DATA_DIR: dataDir(), LINK_SIGNING_KEYS: v, ...extra });
  expect(bad(`k1:short`)).toThrow('LINK_SIGNING_KEYS: the secret of key k1 must be at least 32 characters');
  expect(bad(`bad id!:${NEW}`)).toThrow(/LINK_SIGNING_KEYS: key id "bad id!" must be 1-16 letters/);
  expect(bad(`k1:${NEW},k1:${OLD}`)).toThrow('LINK_SIGNING_KEYS: key id k1 is listed twice');
  expect(bad(`k1:${NEW}`, { LINK_SIGNING_SECRET: OLD })).toThrow(/set either LINK_SIGNING_SECRET or LINK_SIGNING_KEYS/);
});

test('through the API: an unsubscribe link sent before the rotation still unsubscribes after it', async () => {
  const t: TestDb = await createTestDb();
  try {
    const lead = await t.db.lead.create({ data: { email: 'rotate@acme.test', source: 'web_form', workflowId: 'lead-rotate' } });
    const before = linkBuilder('', parseLinkKeys(`k1:${OLD}`)).unsubscribe(lead.id);
    const temporal = { workflow: { getHandle: () => ({ signal: async () => undefined }) } } as unknown as Client;
    const app = await buildApi({ db: t.db, temporal, config: loadConfig({ DATA_DIR: dataDir(), LINK_SIGNING_KEYS: `k2:${NEW},k1:${OLD}` }) }, [linksPlugin]);
    expect((await app.inject({ method: 'POST', url: before })).statusCode).toBe(200);
    expect((await t.db.lead.findUniqueOrThrow({ where: { id: lead.id } })).unsubscribedAt).toBeInstanceOf(Date);
    const unknownKid = `/u/k7.${before.split('/u/k1.')[1]}`;
    expect((await app.inject({ method: 'POST', url: unknownKid })).statusCode).toBe(403);
    await app.close();
  } finally {
    await t.cleanup();
  }
});

test('production start without a signing secret fails with a clear line, and writes no secret file', async () => {
  const dir = dataDir();
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production', DATA_DIR: dir, TEMPORAL_PORT: '44233', API_PORT: '44300' };
  const run = promisify(execFile);
  const err = await run(process.execPath, [path.join(__dirname, '../node_modules/tsx/dist/cli.mjs'), path.join(__dirname, '../cli/leadflow.ts'), 'start'], { env, timeout: 240_000 }).then(
    () => null,
    (e: { code: number; stderr: string }) => e,
  );
  expect(err?.code).toBe(2);
  expect(err?.stderr).toContain('LINK_SIGNING_SECRET: required in production (NODE_ENV=production): set LINK_SIGNING_SECRET (32+ characters) or LINK_SIGNING_KEYS (kid:secret,...)');
  expect(existsSync(path.join(dir, 'link-secret'))).toBe(false);
  // Outside production the development secret is still made once and kept.
  expect(loadConfig({ DATA_DIR: dir }).LINK_SIGNING_SECRET).toHaveLength(64);
}, 300_000);
