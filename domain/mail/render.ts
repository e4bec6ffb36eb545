// One renderer for every mail. MJML is compiled once per (template, locale) with the per-mail
// placeholders left in place; a mail is then only placeholder substitution (HTML-escaped) plus a
// plain-text part from the same HTML.
//
// Placeholders: {{name}}; {{name|fallback}} when the value may be empty; {{ name|}} puts a space
// before a present value (for greetings like "Dzień dobry{{ firstName|}},"). In templates,
// {{t:key}} is a locale string and {{> partial}} includes templates/partials/<partial>.mjml.
import { escape } from 'html-escaper';
import { convert } from 'html-to-text';
import mjml2html from 'mjml';
import { existsSync, readFileSync } from 'fs';
import path from 'path';
import { FALLBACK_LOCALE, LOCALES, TEMPLATES, TEMPLATES_DIR, isTemplateId, resolveLocale, withoutHeader, type Locale, type TemplateId } from './templates';

export { TEMPLATES_DIR };
const PLACEHOLDER = /\{\{( ?)([a-zA-Z][\w]*)(?:\|([^}]*))?\}\}/g;

export type Vars = Record<string, string | number | boolean | null | undefined>;

export interface Compiled {
  template: TemplateId;
  locale: Locale;
  subject: string;
  html: string;
  /** The plain-text part, made from the same HTML at compile time, placeholders intact. */
  text: string;
  /** Placeholder names used anywhere in subject or body. */
  placeholders: Set<string>;
  /** subject, html and text cut at their placeholders once, so a mail is only joining the pieces. */
  pieces: { subject: Piece[]; html: Piece[]; text: Piece[] };
  /** Placeholders used without a fallback: a mail without them is an error, not a blank. */
  required: Set<string>;
  /** Locale strings this locale lacks, taken from English instead (lint: error unless the template allows it). */
  borrowed: Set<string>;
}

export class TemplateError extends Error {}

/** Literal text, or a placeholder: {{<space>name|fallback}}. */
export type Piece = string | { name: string; space: string; fallback: string | undefined };

function cut(text: string): Piece[] {
  const out: Piece[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    out.push(text.slice(last, m.index), { space: m[1], name: m[2], fallback: m[3] });
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

export type Strings = Record<string, unknown>;
/** Where a locale's words live, relative to the repository (for messages naming the file). */
export const localeFile = (locale: Locale): string => `templates/locales/${locale}.json`;
const stringsCache = new Map<Locale, Strings>();
/** A locale's words, read once: the one loader of mail words and page words (api/page-words.ts). */
export function localeStrings(locale: Locale): Strings {
  let s = stringsCache.get(locale);
  if (!s) {
    s = JSON.parse(readFileSync(path.join(TEMPLATES_DIR, 'locales', `${locale}.json`), 'utf8')) as Strings;
    stringsCache.set(locale, s);
  }
  return s;
}

function lookup(obj: Strings, keyPath: string): string | undefined {
  const v = keyPath.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Strings)[k] : undefined), obj);
  return typeof v === 'string' ? v : undefined;
}

/** A locale string for a template: the template's own, then common, then the same in English (noted in `borrowed`). */
export function translate(template: string, locale: Locale, key: string, borrowed?: Set<string>): string {
  for (const l of [locale, FALLBACK_LOCALE]) {
    const s = localeStrings(l);
    const v = lookup(s, `${template}.${key}`) ?? lookup(s, key) ?? lookup(s, `common.${key}`);
    if (v !== undefined) {
      if (l !== locale) borrowed?.add(key);
      return v;
    }
  }
  throw new TemplateError(`${template}/${locale}: no string for "${key}" (not in ${locale}.json nor en.json)`);
}

function expand(template: string, locale: Locale, source: string, borrowed: Set<string>): string {
  return source
    .replace(/\{\{>\s*([\w-]+)\s*\}\}/g, (_m, partial: string) => {
      const file = partial === 'content' ? path.join(TEMPLATES_DIR, 'messages', `${template}.mjml`) : path.join(TEMPLATES_DIR, 'partials', `${partial}.mjml`);
      if (!existsSync(file)) throw new TemplateError(`${template}: missing ${path.relative(TEMPLATES_DIR, file)}`);
      return expand(template, locale, withoutHeader(readFileSync(file, 'utf8')), borrowed);
    })
    // Locale strings are escaped for HTML but may carry placeholders, which stay for per-mail work.
    .replace(/\{\{t:([\w.-]+)\}\}/g, (_m, key: string) => escape(translate(template, locale, key, borrowed)).replace(/&#39;/g, "'"));
}

function scan(text: string, placeholders: Set<string>, required: Set<string>): void {
  for (const m of text.matchAll(PLACEHOLDER)) {
    placeholders.add(m[2]);
    if (m[3] === undefined) required.add(m[2]);
  }
}

const cache = new Map<string, Promise<Compiled>>();

export function compile(template: string, localeIn: string | undefined): Promise<Compiled> {
  if (!isTemplateId(template)) return Promise.reject(new TemplateError(`unknown template "${template}"`));
  const locale = resolveLocale(localeIn);
  const key = `${template}:${locale}`;
  let c = cache.get(key);
  if (!c) {
    c = compileUncached(template, locale);
    cache.set(key, c);
    c.catch(() => cache.delete(key));
  }
  return c;
}

export async function compileUncached(template: TemplateId, locale: Locale): Promise<Compiled> {
  const layout = readFileSync(path.join(TEMPLATES_DIR, 'layout.mjml'), 'utf8');
  const borrowed = new Set<string>();
  const source = expand(template, locale, layout, borrowed);
  const result = await mjml2html(source, { validationLevel: 'strict', keepComments: false });
  if (result.errors?.length) throw new TemplateError(`${template}/${locale}: ${result.errors.map((e) => e.formattedMessage).join('; ')}`);
  const subject = translate(template, locale, 'subject', borrowed);
  if (/[\r\n]/.test(subject)) throw new TemplateError(`${template}/${locale}: subject has a line break`);
  const placeholders = new Set<string>();
  const required = new Set<string>();
  scan(result.html, placeholders, required);
  scan(subject, placeholders, required);
  // wordwrap off: a wrap inside "{{ name|}}" would break the placeholder; mail clients wrap anyway.
  const text = toText(result.html, false);
  return { template, locale, subject, html: result.html, text, placeholders, required, borrowed, pieces: { subject: cut(subject), html: cut(result.html), text: cut(text) } };
}

type Mode = 'html' | 'text' | 'header';

function substitute(pieces: Piece[], vars: Vars, mode: Mode, where: string): string {
  let out = '';
  for (const p of pieces) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    const v = vars[p.name];
    const present = v !== undefined && v !== null && v !== '';
    if (!present && p.fallback === undefined) throw new TemplateError(`${where}: variable "${p.name}" is missing`);
    const value = present ? `${p.space}${String(v)}` : (p.fallback ?? '');
    // A line break in a header value would start a new header (Bcc: ...): refused, not repaired.
    if (mode === 'header' && /[\r\n]/.test(value)) throw new TemplateError(`${where}: variable "${p.name}" contains a line break, which a subject must not (header injection)`);
    out += mode === 'html' ? escape(value) : value;
  }
  return out;
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
  locale: Locale;
}

/** Placeholder names in a text (a sequence step's subject override), and those used without a fallback. */
export function placeholdersOf(text: string): { placeholders: Set<string>; required: Set<string> } {
  const placeholders = new Set<string>();
  const required = new Set<string>();
  scan(text, placeholders, required);
  return { placeholders, required };
}

/** `subjectOverride`: a sequence step's own subject, its placeholders filled exactly like the template's. */
export async function render(template: string, locale: string | undefined, vars: Vars, subjectOverride?: string): Promise<RenderedMail> {
  const c = await compile(template, locale);
  const where = `${template}/${c.locale}`;
  const subject = substitute(subjectOverride === undefined ? c.pieces.subject : cut(subjectOverride), vars, 'header', where).trim();
  const withSubject = { ...vars, subject };
  const html = substitute(c.pieces.html, withSubject, 'html', where);
  const text = substitute(c.pieces.text, withSubject, 'text', where);
  return { subject, html, text, locale: c.locale };
}

export function toText(html: string, wordwrap: number | false = 78): string {
  return convert(html, {
    wordwrap,
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'title', format: 'skip' },
      // A manager card's label/value rows stay rows in the text part ("Lead   Ola Nowak <...>"). The
      // card tables are marked by cellpadding="4" (mj-table passes no class to the table itself;
      // the cells' own padding wins in HTML), so MJML's layout tables stay plain blocks.
      { selector: 'table[cellpadding="4"]', format: 'dataTable', options: { uppercaseHeaderCells: false, maxColumnWidth: 100 } },
    ],
  });
}

/** Every template in every locale, compiled (used by lint and tests). */
export async function compileAll(): Promise<Compiled[]> {
  const out: Compiled[] = [];
  for (const t of Object.keys(TEMPLATES)) for (const l of LOCALES) out.push(await compile(t, l));
  return out;
}
