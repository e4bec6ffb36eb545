// Suppression keeps a keyed hash: HMAC under a server secret (SUPPRESSION_SECRET / SUPPRESSION_KEYS),
// never a plain SHA-256 that a list of addresses reverses, and never under a key stored next to the
// hashes. Rows from older keys (rotation, the legacy PrivacyKey row, plain SHA-256) still match and
// are re-keyed under the current key.
import { execFile } from 'child_process';
import { createHash, createHmac } from 'crypto';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { promisify } from 'util';
import { createPrisma, poolOf, type Db } from '../domain/db';
import { addressHash, rekeySuppressions, suppressionOf, suppressRow, useSuppressionKeys } from '../domain/mail/email-hash';
import { parseKeyList } from '../domain/keys';
import { loadApiConfig, loadConfig } from '../runtime/config';
import { createTestDb, type TestDb } from './helpers/db';

let t: TestDb;
const handles: Db[] = [];
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  for (const h of handles) {
    await h.$disconnect();
    // A handle used only through domain/sql.ts never connected Prisma, whose $disconnect then leaves the pool open.
    if (!poolOf(h).ended) await poolOf(h).end();
  }
  await t?.cleanup();
});

const OLD = 'o'.repeat(40);
const NEW = 'n'.repeat(40);
/** A process's own handle on the test database, with its configured keys. */
const handle = (keys: string): Db => {
  const db = useSuppressionKeys(createPrisma(t.url), parseKeyList(keys));
  handles.push(db);
  return db;
};
const sha = (a: string): string => createHash('sha256').update(a).digest('hex');
const hmac = (key: string, text: string): string => createHmac('sha256', key).update(text).digest('hex');

test('the hash is keyed by the server secret: not the plain SHA-256, stable per address, case and spaces do not matter', async () => {
  const h = await addressHash(t.db, 'Ola@Acme.test ');
  expect(h.hash).toMatch(/^[0-9a-f]{64}$/);
  expect(h.hash).not.toBe(sha('ola@acme.test'));
  expect(await addressHash(t.db, 'ola@acme.test')).toEqual(h);
  expect((await addressHash(t.db, 'ala@acme.test')).hash).not.toBe(h.hash);
  expect(h.kid).toBe('k0');
});

test('a dump of the database, without the server secret, cannot tell whether an address is suppressed', async () => {
  const address = 'dumped@acme.test';
  await suppressRow(t.db, await addressHash(t.db, address), 'erased');
  // The attacker has every table (every column) and a list of addresses to try.
  const dump = JSON.stringify({
    suppression: await t.db.suppression.findMany(),
    privacyKey: await t.db.privacyKey.findMany(),
    migrations: await t.db.$queryRawUnsafe('SELECT * FROM "_prisma_migrations"'),
  });
  const stored = (await t.db.suppression.findMany()).map((r) => r.emailHash);
  const candidates = new Set<string>([sha(address), sha(address.toUpperCase()), hmac('', sha(address))]);
  // Every string in the dump is tried as a key, over the address and over its SHA-256.
  for (const secret of dump.match(/[0-9a-zA-Z]{16,}/g) ?? []) {
    candidates.add(hmac(secret, sha(address)));
    candidates.add(hmac(secret, address));
  }
  expect(stored.filter((h) => candidates.has(h))).toEqual([]);
  // No key in the database at all: a fresh database has no PrivacyKey row.
  expect(await t.db.privacyKey.count()).toBe(0);
  // With the server secret it is found.
  expect(await suppressionOf(t.db, address)).toMatchObject({ reason: 'erased' });
});

test('rotation: a row under an older listed key is found and re-keyed under the current one', async () => {
  const before = handle(`k1:${OLD}`);
  await suppressRow(before, await addressHash(before, 'rotated@acme.test'), 'unsubscribed');
  const after = handle(`k2:${NEW},k1:${OLD}`);
  expect(await suppressionOf(after, 'Rotated@acme.test')).toMatchObject({ reason: 'unsubscribed' });
  const row = await t.db.suppression.findUniqueOrThrow({ where: { emailHash: (await addressHash(after, 'rotated@acme.test')).hash } });
  expect(row.kid).toBe('k2');
  // Re-keyed: the old key can be dropped from the list.
  expect(await suppressionOf(handle(`k2:${NEW}`), 'rotated@acme.test')).toMatchObject({ reason: 'unsubscribed' });
  expect(await t.db.suppression.count({ where: { kid: 'k1' } })).toBe(0);
});

test('the legacy PrivacyKey: rows keyed by it match while they remain, and are re-keyed on a hit', async () => {
  const legacy = 'f'.repeat(64);
  await t.db.privacyKey.create({ data: { id: 1, secret: legacy } });
  await t.db.suppression.createMany({
    data: [
      { emailHash: hmac(legacy, sha('legacy@acme.test')), kid: 'db', reason: 'erased' },
      { emailHash: hmac(legacy, sha('other@acme.test')), kid: 'db', reason: 'bounced' },
    ],
  });
  const db = handle(`k2:${NEW}`);
  expect(await suppressionOf(db, 'legacy@acme.test')).toMatchObject({ reason: 'erased' });
  expect(await t.db.suppression.findUniqueOrThrow({ where: { emailHash: hmac(NEW, sha('legacy@acme.test')) } })).toMatchObject({ kid: 'k2', reason: 'erased' });
  expect(await t.db.suppression.count({ where: { kid: 'db' } })).toBe(1);
  // A legacy hash stored under another kid names no one.
  expect(await suppressionOf(db, 'nobody@acme.test')).toBeNull();
  expect(await suppressionOf(db, 'other@acme.test')).toMatchObject({ reason: 'bounced' });
  // None left under it: the key is no longer read (docs/ops.md: then its row is deleted).
  expect(await t.db.suppression.count({ where: { kid: 'db' } })).toBe(0);
  await t.db.privacyKey.deleteMany();
  expect(await suppressionOf(handle(`k2:${NEW}`), 'legacy@acme.test')).toMatchObject({ reason: 'erased' });
});

test('rows from before any key match as they are, and are re-keyed in place at start (a twin is merged)', async () => {
  const db = handle(`k2:${NEW}`);
  await t.db.suppression.createMany({
    data: [
      { emailHash: sha('old@acme.test'), reason: 'unsubscribed' },
      { emailHash: sha('twin@acme.test'), reason: 'bounced' },
    ],
  });
  await suppressRow(db, await addressHash(db, 'twin@acme.test'), 'erased');
  // Still suppressed before the re-keying: intake and the send path both ask suppressionOf.
  expect(await suppressionOf(db, 'OLD@acme.test')).toMatchObject({ reason: 'unsubscribed' });
  await t.db.suppression.create({ data: { emailHash: sha('plain@acme.test'), reason: 'complaint' } });
  expect(await rekeySuppressions(db)).toBe(2);
  expect(await t.db.suppression.count({ where: { kid: null } })).toBe(0);
  expect(await suppressionOf(db, 'plain@acme.test')).toMatchObject({ reason: 'complaint' });
  expect(await suppressionOf(db, 'twin@acme.test')).toMatchObject({ reason: 'erased' });
  expect(await t.db.suppression.count({ where: { emailHash: { in: [sha('old@acme.test'), sha('twin@acme.test'), sha('plain@acme.test')] } } })).toBe(0);
  expect(await rekeySuppressions(db)).toBe(0);
});

test('production without the suppression secret refuses to start, with one line naming the variable', async () => {
  const line = 'SUPPRESSION_SECRET: required in production (NODE_ENV=production): set SUPPRESSION_SECRET (32+ characters) or SUPPRESSION_KEYS (kid:secret,...)';
  const dataDir = mkdtempSync(path.join(tmpdir(), 'leadflow-suppression-'));
  expect(() => loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'production', LINK_SIGNING_SECRET: 's'.repeat(40) })).toThrow(line);
  expect(loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'production', LINK_SIGNING_SECRET: 's'.repeat(40), SUPPRESSION_KEYS: `k1:${NEW}` }).SUPPRESSION_SECRET).toEqual([{ kid: 'k1', secret: NEW }]);
  expect(() => loadConfig({ DATA_DIR: dataDir, SUPPRESSION_KEYS: `db:${NEW}` })).toThrow('SUPPRESSION_KEYS: key id db is reserved');
  // Outside production a development secret is made once in the data folder and kept.
  const dev = loadConfig({ DATA_DIR: dataDir }).SUPPRESSION_SECRET;
  expect(dev).toHaveLength(64);
  expect(loadConfig({ DATA_DIR: dataDir }).SUPPRESSION_SECRET).toBe(dev);
  // A role (here the API) shares the key with the email workers: never made up, always required.
  const role = { TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: 'postgresql://u:p@db:5432/leadflow', PUBLIC_BASE_URL: 'https://leads.example.com', LINK_SIGNING_SECRET: 's'.repeat(40) };
  expect(() => loadApiConfig(role)).toThrow('SUPPRESSION_SECRET: required');
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production', ...role };
  const err = await promisify(execFile)(process.execPath, [path.join(__dirname, '../node_modules/tsx/dist/cli.mjs'), path.join(__dirname, '../cli/leadflow.ts'), 'api'], { env, timeout: 120_000 }).then(
    () => null,
    (e: { code: number; stderr: string }) => e,
  );
  expect(err?.code).toBe(2);
  expect(err?.stderr.trim().split('\n')).toEqual(['Invalid configuration:', '  SUPPRESSION_SECRET: required']);
}, 150_000);
