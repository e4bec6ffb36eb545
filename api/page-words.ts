// The words of the pages the API serves (the survey, the hand-off pages) live where the mails'
// words do: templates/locales/<locale>.json, under pages.<page>, read by the mails' own loader. Each
// page checks its words with its zod schema; a string a locale lacks is taken from English, as a
// mail's is, and a string English lacks too is an error naming the file and the key.
import type { z } from 'zod';
import { localeFile, localeStrings, type Strings } from '../domain/mail/render';
import { FALLBACK_LOCALE, type Locale } from '../domain/mail/templates';

type Load = (locale: Locale) => Strings;

const at = (obj: unknown, keys: readonly PropertyKey[]): unknown =>
  keys.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<PropertyKey, unknown>)[k] : undefined), obj);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `over` laid on `base` key by key: what a locale says, English where it says nothing. */
function overlay(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over ?? base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = overlay(base[k], v);
  return out;
}

/** One message per problem, naming the file the string came from (or should be in) and its key. */
function problems(page: string, error: z.ZodError, sources: Locale[], load: Load): string[] {
  const words = sources.map((l) => at(load(l), ['pages', page]));
  return error.issues.flatMap((issue) => {
    const unknownKey = issue.code === 'unrecognized_keys';
    return (unknownKey ? issue.keys.map((k) => [...issue.path, k]) : [issue.path]).map((p) => {
      const key = ['pages', page, ...p].map(String).join('.');
      const i = words.findIndex((w) => at(w, p) !== undefined);
      if (i < 0) return `${localeFile(sources[0])}: no string for "${key}"${sources.length > 1 ? ` (nor in ${localeFile(sources[1])})` : ''}`;
      return `${localeFile(sources[i])}: "${key}": ${unknownKey ? 'not a word of this page' : issue.message}`;
    });
  });
}

/**
 * A page's words in a locale: its own strings, English for any it lacks, checked with `schema`.
 * `fallback: false` takes none from English (the completeness test). Throws naming file and key.
 */
export function readPageWords<S extends z.ZodType>(page: string, schema: S, locale: Locale, options: { fallback?: boolean; load?: Load } = {}): z.output<S> {
  const load = options.load ?? localeStrings;
  const sources = options.fallback === false || locale === FALLBACK_LOCALE ? [locale] : [locale, FALLBACK_LOCALE];
  const words = sources.map((l) => at(load(l), ['pages', page])).reduceRight(overlay);
  const parsed = schema.safeParse(words ?? {});
  if (parsed.success) return parsed.data;
  throw new Error(`words of page "${page}" in ${locale}: ${problems(page, parsed.error, sources, load).join('; ')}`);
}

// Checked once per schema, page and locale (schemas are module constants: the WeakMap only saves a
// leak where a caller makes them on the fly).
const cache = new WeakMap<z.ZodType, Map<string, unknown>>();

/** A page's words in a locale (see readPageWords), read and checked once. */
export function pageWords<S extends z.ZodType>(page: string, schema: S, locale: Locale): z.output<S> {
  let byPage = cache.get(schema);
  if (!byPage) cache.set(schema, (byPage = new Map()));
  const key = `${page}/${locale}`;
  if (!byPage.has(key)) byPage.set(key, readPageWords(page, schema, locale));
  return byPage.get(key) as z.output<S>;
}
