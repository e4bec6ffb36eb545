// The one way an e-mail address is kept after its person asked to be forgotten or left alone:
// a keyed hash (HMAC-SHA-256 under the server's PrivacyKey) in Suppression. A plain SHA-256 of an
// address is reversed by hashing a list of addresses; without the key the rows name no one.
// The HMAC is taken over the address's SHA-256, so rows from before the key (plain SHA-256,
// `keyed = false`) are re-keyed in place without knowing the address (rekeySuppressions).
import { createHash, createHmac } from 'crypto';
import type { Db } from '../db';

const keys = new WeakMap<object, Promise<string>>();

/** The server's key, read once per database client. */
function privacyKey(db: Db): Promise<string> {
  const cached = keys.get(db);
  if (cached) return cached;
  const k = db.privacyKey.findUnique({ where: { id: 1 }, select: { secret: true } }).then((r) => {
    if (!r) throw new Error('PrivacyKey missing: the database migrations were not applied');
    return r.secret;
  });
  k.catch(() => keys.delete(db));
  keys.set(db, k);
  return k;
}

const sha256 = (address: string): string => createHash('sha256').update(address.trim().toLowerCase()).digest('hex');
const keyed = (key: string, sha: string): string => createHmac('sha256', key).update(sha).digest('hex');

/** The keyed hash of an address (trimmed, lower-cased). */
export async function addressHash(db: Db, address: string): Promise<string> {
  return keyed(await privacyKey(db), sha256(address));
}

/** Both forms an address may be stored under: keyed, and the plain hash of a row not yet re-keyed. */
export async function addressHashes(db: Db, address: string): Promise<{ keyed: string; legacy: string }> {
  const sha = sha256(address);
  return { keyed: keyed(await privacyKey(db), sha), legacy: sha };
}

/** Why this address must not be contacted, or null. */
export async function suppressionOf(db: Db, address: string): Promise<{ reason: string; createdAt: Date } | null> {
  const h = await addressHashes(db, address);
  return db.suppression.findFirst({ where: { OR: [{ emailHash: h.keyed }, { emailHash: h.legacy, keyed: false }] }, select: { reason: true, createdAt: true } });
}

/** The upsert that suppresses an address by its keyed hash (addressHash), for a $transaction list. */
export function suppressRow(db: Db, emailHash: string, reason: string) {
  return db.suppression.upsert({ where: { emailHash }, create: { emailHash, keyed: true, reason }, update: {}, select: { id: true } });
}

/** Re-keys rows stored as a plain SHA-256 (before the key existed); run at start. Returns how many. */
export async function rekeySuppressions(db: Db): Promise<number> {
  const key = await privacyKey(db);
  const legacy = await db.suppression.findMany({ where: { keyed: false }, select: { id: true, emailHash: true } });
  for (const row of legacy) {
    const emailHash = keyed(key, row.emailHash);
    // The address may have been suppressed again under the key meanwhile: one row is enough.
    const twin = await db.suppression.findUnique({ where: { emailHash }, select: { id: true } });
    if (twin) await db.suppression.delete({ where: { id: row.id } });
    else await db.suppression.update({ where: { id: row.id }, data: { emailHash, keyed: true } });
  }
  return legacy.length;
}
