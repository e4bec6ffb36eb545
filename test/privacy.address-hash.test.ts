// Suppression keeps a keyed hash (HMAC under the server's PrivacyKey), never a plain SHA-256 that a
// list of addresses reverses; rows stored before the key match until they are re-keyed at start.
import { createHash } from 'crypto';
import { addressHash, rekeySuppressions, suppressionOf } from '../domain/mail/email-hash';
import { createLedger } from '../activities/email/ledger';
import { addressHashes } from '../domain/mail/email-hash';
import { createTestDb, type TestDb } from './helpers/db';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.cleanup();
});

const sha = (a: string): string => createHash('sha256').update(a).digest('hex');

test('the hash is keyed: not the plain SHA-256, stable per address, case and spaces do not matter', async () => {
  const h = await addressHash(t.db, 'Ola@Acme.test ');
  expect(h).toMatch(/^[0-9a-f]{64}$/);
  expect(h).not.toBe(sha('ola@acme.test'));
  expect(await addressHash(t.db, 'ola@acme.test')).toBe(h);
  expect(await addressHash(t.db, 'ala@acme.test')).not.toBe(h);
  // The key is the database's own, made by its migration: a 64-hex-character random secret.
  expect((await t.db.privacyKey.findUniqueOrThrow({ where: { id: 1 } })).secret).toMatch(/^[0-9a-f]{64}$/);
});

test('rows from before the key match as they are, and are re-keyed in place at start (a twin is merged)', async () => {
  await t.db.suppression.createMany({
    data: [
      { emailHash: sha('old@acme.test'), reason: 'unsubscribed' },
      { emailHash: sha('twin@acme.test'), reason: 'bounced' },
      { emailHash: await addressHash(t.db, 'twin@acme.test'), keyed: true, reason: 'erased' },
    ],
  });
  const ledger = createLedger(t.db);
  // Still suppressed before the re-keying: intake and the send path both see the old row.
  expect(await suppressionOf(t.db, 'OLD@acme.test')).toMatchObject({ reason: 'unsubscribed' });
  expect(await ledger.suppressionReason(await addressHashes(t.db, 'old@acme.test'))).toBe('unsubscribed');
  expect(await rekeySuppressions(t.db)).toBe(2);
  expect(await t.db.suppression.count({ where: { keyed: false } })).toBe(0);
  expect(await t.db.suppression.count({ where: { emailHash: { in: [sha('old@acme.test'), sha('twin@acme.test')] } } })).toBe(0);
  expect(await suppressionOf(t.db, 'old@acme.test')).toMatchObject({ reason: 'unsubscribed' });
  expect(await ledger.suppressionReason(await addressHashes(t.db, 'old@acme.test'))).toBe('unsubscribed');
  expect(await suppressionOf(t.db, 'twin@acme.test')).toMatchObject({ reason: 'erased' });
  expect(await rekeySuppressions(t.db)).toBe(0);
  // A plain SHA-256 that happens to equal a keyed row's hash is not mistaken for it.
  expect(await suppressionOf(t.db, 'nobody@acme.test')).toBeNull();
});
