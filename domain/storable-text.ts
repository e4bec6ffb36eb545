// Text PostgreSQL can hold. A JS string can carry what the database refuses: NUL (U+0000) in a text
// or jsonb column, and an unpaired surrogate (half of an emoji) in jsonb; in text it would be turned
// into U+FFFD silently. Either, deep in some free-text field, used to surface as a 500 from the
// database (or a failing activity); every boundary refuses it up front and names the field.

/** NUL, or a surrogate without its other half. */
// eslint-disable-next-line no-control-regex -- NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

export const UNSTORABLE_TEXT_MESSAGE = 'must be valid Unicode text without NUL characters (U+0000) or unpaired surrogates';

/** Whether a string can be stored as it is. */
export function isStorableText(s: string): boolean {
  return !UNSTORABLE.test(s);
}

/**
 * Text someone else wrote (an inbound mail's subject): kept, without NUL, with an unpaired surrogate
 * as U+FFFD (what UTF-8 would make of it anyway). What a client sends us is refused instead.
 */
export function toStorableText(s: string): string {
  return s.replace(UNSTORABLE_ALL, (c) => (c === '\u0000' ? '' : '\uFFFD'));
}

/** A JSON value with every string and key made storable (toStorableText); the value itself when it is. */
export function toStorableValue<T>(value: T): T {
  if (unstorableTextPath(value) === null) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return toStorableText(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, c]) => [toStorableText(k), walk(c)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * The path of the first string (or object key) in a parsed value that cannot be stored, else null.
 * Walks plain JSON shapes (objects, arrays); other values (dates, numbers) are storable.
 */
export function unstorableTextPath(value: unknown, at: (string | number)[] = []): (string | number)[] | null {
  if (typeof value === 'string') return isStorableText(value) ? null : at;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableTextPath(value[i], [...at, i]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, child] of Object.entries(value)) {
      if (!isStorableText(k)) return [...at, k];
      const found = unstorableTextPath(child, [...at, k]);
      if (found) return found;
    }
  }
  return null;
}
