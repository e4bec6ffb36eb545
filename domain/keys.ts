// Server secrets that can rotate: a list of keys, each with a key id (`kid`) stored next to what it
// made (a link token, a suppression hash), so an old key keeps working while it is listed. The first
// key makes new things; all of them are tried. Given as one secret (key id `k0`) or a `kid:secret`
// list: LINK_SIGNING_SECRET / LINK_SIGNING_KEYS and SUPPRESSION_SECRET / SUPPRESSION_KEYS.

export interface SigningKey {
  kid: string;
  secret: string;
}
/** The keys, first one current. A plain string is the single-key form, whose key id is LEGACY_KID. */
export type KeyList = string | readonly SigningKey[];

/** The key id of a single secret (…_SECRET). */
export const LEGACY_KID = 'k0';
export const KID_PATTERN = /^[A-Za-z0-9_-]{1,16}$/;

export const keyList = (keys: KeyList): readonly SigningKey[] => (typeof keys === 'string' ? [{ kid: LEGACY_KID, secret: keys }] : keys);

/** Parses "kid1:secret1,kid2:secret2" (first current); throws naming what is wrong. */
export function parseKeyList(text: string, minSecret = 32): SigningKey[] {
  const keys = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const i = entry.indexOf(':');
      const kid = i > 0 ? entry.slice(0, i) : '';
      const secret = i > 0 ? entry.slice(i + 1) : '';
      if (!KID_PATTERN.test(kid)) throw new Error(`key id "${kid || entry.slice(0, 16)}" must be 1-16 letters, digits, - or _ (entries are kid:secret)`);
      if (secret.length < minSecret) throw new Error(`the secret of key ${kid} must be at least ${minSecret} characters`);
      return { kid, secret };
    });
  if (!keys.length) throw new Error('at least one kid:secret');
  const dup = keys.find((k, i) => keys.findIndex((o) => o.kid === k.kid) !== i);
  if (dup) throw new Error(`key id ${dup.kid} is listed twice`);
  return keys;
}
