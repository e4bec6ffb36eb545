// The one way an e-mail address is kept after its person asked to be forgotten or left alone: a
// keyed hash in Suppression, HMAC-SHA-256 under a server secret (SUPPRESSION_SECRET or
// SUPPRESSION_KEYS, runtime/config.ts), with the id of the key (`kid`) that made it. The secret is
// not in the database, so a dump of it cannot tell whether an address is there (hashing a list of
// addresses finds nothing without the key). The HMAC is taken over the address's SHA-256.
// Older forms a row may have, all matched by suppressionOf and re-keyed under the current key:
// - kid of a listed key that is no longer the first (rotation): re-keyed when the address is seen;
// - kid `db`: hashed under the PrivacyKey row, from when the key lived in the database; read only
//   while such rows remain, re-keyed when the address is seen (docs/ops.md: retiring it);
// - kid null: a plain SHA-256 from before any key; re-keyed at start without the address (rekeySuppressions).
import { createHash, createHmac } from 'crypto';
import type { Db } from '../db';
import { keyList, type KeyList, type SigningKey } from '../keys';
import { sqlOf } from '../sql';

/** The kid of rows hashed under the database's PrivacyKey (before the key became a server secret). */
export const SUPPRESSION_LEGACY_KID = 'db';

/** One stored form of an address: the hash and the kid of its key (null: plain SHA-256). */
export interface AddressHash {
  kid: string | null;
  hash: string;
}

const keyrings = new WeakMap<Db, readonly SigningKey[]>();
const legacyKeys = new WeakMap<Db, Promise<string | null>>();

/** Gives `db` the process's suppression keys (first = current); every process that hashes addresses does, after createPrisma. */
export function useSuppressionKeys(db: Db, keys: KeyList): Db {
  const list = keyList(keys);
  if (!list.length) throw new Error('no suppression key');
  keyrings.set(db, list);
  return db;
}

function keysOf(db: Db): readonly SigningKey[] {
  const keys = keyrings.get(db);
  if (!keys) throw new Error('no suppression key for this database handle: set SUPPRESSION_SECRET or SUPPRESSION_KEYS (useSuppressionKeys)');
  return keys;
}

/** The PrivacyKey's secret while rows keyed by it remain, else null; asked once per handle (no new row is ever keyed by it). */
function legacyKey(db: Db): Promise<string | null> {
  const cached = legacyKeys.get(db);
  if (cached) return cached;
  const k = sqlOf(db)
    .rows<{ secret: string }>(`SELECT "secret" FROM "PrivacyKey" WHERE EXISTS (SELECT 1 FROM "Suppression" WHERE "kid" = $1) ORDER BY "id" LIMIT 1`, [SUPPRESSION_LEGACY_KID])
    .then((rows) => rows[0]?.secret ?? null);
  k.catch(() => legacyKeys.delete(db));
  legacyKeys.set(db, k);
  return k;
}

const sha256 = (address: string): string => createHash('sha256').update(address.trim().toLowerCase()).digest('hex');
const hmac = (secret: string, sha: string): string => createHmac('sha256', secret).update(sha).digest('hex');

/** The address's hash under the current key (trimmed, lower-cased), with its kid: what a new row stores. */
export async function addressHash(db: Db, address: string): Promise<AddressHash & { kid: string }> {
  const [key] = keysOf(db);
  return { kid: key!.kid, hash: hmac(key!.secret, sha256(address)) };
}

/** Every form the address may be stored under, the current one first. */
async function addressForms(db: Db, address: string): Promise<AddressHash[]> {
  const sha = sha256(address);
  const legacy = await legacyKey(db);
  return [...keysOf(db).map((k) => ({ kid: k.kid, hash: hmac(k.secret, sha) })), ...(legacy ? [{ kid: SUPPRESSION_LEGACY_KID, hash: hmac(legacy, sha) }] : []), { kid: null, hash: sha }];
}

interface SuppressionRow {
  id: string;
  emailHash: string;
  kid: string | null;
  reason: string;
  createdAt: Date;
}

/**
 * Why this address must not be contacted, or null. A row found under an older form is re-keyed in
 * place under the current key (the address is known right now); a twin already there absorbs it.
 */
export async function suppressionOf(db: Db, address: string): Promise<{ reason: string; createdAt: Date } | null> {
  const forms = await addressForms(db, address);
  const sql = sqlOf(db);
  const rows = await sql.rows<SuppressionRow>(`SELECT "id", "emailHash", "kid", "reason", "createdAt" FROM "Suppression" WHERE "emailHash" = ANY($1::text[])`, [forms.map((f) => f.hash)]);
  // A hash counts only with the key it was made by (a plain SHA-256 equal to some HMAC names no one).
  const hits = rows.filter((r) => forms.some((f) => f.hash === r.emailHash && f.kid === r.kid));
  const current = forms[0]!;
  const kept = hits.find((r) => r.kid === current.kid) ?? hits[0];
  if (!kept) return null;
  for (const r of hits) {
    if (r === kept) continue;
    await sql.count(`DELETE FROM "Suppression" WHERE "id" = $1`, [r.id]);
  }
  if (kept.kid !== current.kid) {
    // Concurrent lookups of one address may both re-key it: the later one changes nothing, or finds the current row taken and merges.
    await sql.count(`UPDATE "Suppression" SET "emailHash" = $1, "kid" = $2 WHERE "id" = $3 AND NOT EXISTS (SELECT 1 FROM "Suppression" WHERE "emailHash" = $1)`, [current.hash, current.kid, kept.id]);
  }
  return { reason: kept.reason, createdAt: kept.createdAt };
}

/** The upsert that suppresses an address by its current hash (addressHash), for a $transaction list. */
export function suppressRow(db: Db, h: AddressHash, reason: string) {
  return db.suppression.upsert({ where: { emailHash: h.hash }, create: { emailHash: h.hash, kid: h.kid, reason }, update: {}, select: { id: true } });
}

/** Re-keys rows stored as a plain SHA-256 (before any key) under the current key; run at start. Returns how many. */
export async function rekeySuppressions(db: Db): Promise<number> {
  const key = keysOf(db)[0]!;
  const plain = await db.suppression.findMany({ where: { kid: null }, select: { id: true, emailHash: true } });
  for (const row of plain) {
    const emailHash = hmac(key.secret, row.emailHash);
    // The address may have been suppressed again under the key meanwhile: one row is enough.
    const twin = await db.suppression.findUnique({ where: { emailHash }, select: { id: true } });
    if (twin) await db.suppression.delete({ where: { id: row.id } });
    else await db.suppression.update({ where: { id: row.id }, data: { emailHash, kid: key.kid } });
  }
  return plain.length;
}
