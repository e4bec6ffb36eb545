// The mail catalogue: every message, who it is for, and the variables it takes. One place per
// template: templates/messages/<id>.mjml declares its kind, variables and button target in its own
// header comment (below); the words live in templates/locales/<locale>.json. A new template is one
// MJML file plus its words. The header, e.g.:
//   <!--
//   kind: marketing            # or transactional
//   cta: /resources/ebook      # the main button, under SITE_URL (absent: the sender gives ctaUrl)
//   variables:
//     firstName: name          # a variable's type, from VARIABLE_TYPES: name, text(40), text(40)?, path, int, number, A|B?
//     edition: text(40)?
//   consumed: [offerPath]      # variables the send activity turns into links itself
//   provided: handoff          # the send activity adds a hand-off's Accept / Send back links
//   fallback: en               # locales may send the English words they lack (else lint refuses the gap)
//   fields: card               # a named group of variables (VARIABLE_GROUPS)
//   -->
import { readdirSync, readFileSync } from 'fs';
import path from 'path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CARD_LIMITS } from '../../workflows/handoff/card';

export const LOCALES = ['en', 'pl', 'ru', 'el'] as const;
export type Locale = (typeof LOCALES)[number];
export const FALLBACK_LOCALE: Locale = 'en';
export const TEMPLATES_DIR = path.join(__dirname, '..', '..', 'templates');

// The card's limits are the ones workflows/handoff/card.ts clips to: one source for both.
const cardField = z.string().max(CARD_LIMITS.field).nullable().optional();
const cardVars = {
  leadName: z.string().min(1).max(CARD_LIMITS.leadName),
  leadEmail: z.string().min(1).max(CARD_LIMITS.leadEmail),
  company: cardField,
  jobTitle: cardField,
  phone: cardField,
  source: z.string().min(1).max(CARD_LIMITS.source),
  score: z.number(),
  temperature: z.string().min(1).max(10),
  scoreBreakdown: z.string().max(CARD_LIMITS.list).optional(),
  activity: z.string().max(CARD_LIMITS.list).optional(),
  bant: z.string().min(1).max(CARD_LIMITS.bant),
};
/** Named groups of variables a header may take in whole (`fields: card`). */
const VARIABLE_GROUPS: Record<string, z.ZodRawShape> = {
  card: cardVars,
  managerCard: { ...cardVars, acceptBy: z.string().min(1).max(80) },
};
/** What the send activity adds to a mail offering a lead to a manager (domain/mail/handoff.ts). */
export const HANDOFF_VARIABLES = ['acceptUrl', 'sendBackUrl'] as const;
const PROVIDED: Record<string, readonly string[]> = { handoff: HANDOFF_VARIABLES };

/**
 * The variable types a header may name; `?` after one makes it optional (and, for text, nullable:
 * the lead may have no value). `name` is a person's or company's name, optional by nature.
 */
export function variableType(spec: string): z.ZodType {
  const optional = spec.endsWith('?');
  const t = optional ? spec.slice(0, -1).trim() : spec.trim();
  let base: z.ZodType;
  const text = /^text\((\d+)\)$/.exec(t);
  if (t === 'name') return z.string().max(200).nullable().optional();
  if (text) base = optional ? z.string().max(Number(text[1])).nullable() : z.string().min(1).max(Number(text[1]));
  else if (t === 'path') base = z.string().startsWith('/').max(300);
  else if (t === 'int') base = z.number().int();
  else if (t === 'number') base = z.number();
  else if (/^[\w-]+(\|[\w-]+)+$/.test(t)) base = z.enum(t.split('|') as [string, ...string[]]);
  else throw new Error(`unknown variable type "${spec}" (name, text(N), path, int, number, A|B, each with ? when optional)`);
  return optional ? base.optional() : base;
}

export interface TemplateSpec {
  kind: 'marketing' | 'transactional';
  /** Variables the caller provides (the send activity adds the system ones). */
  variables: z.ZodObject;
  /** Where the main button leads, under SITE_URL; absent when the sender supplies ctaUrl. */
  ctaPath?: string;
  /** Variables the send activity consumes itself instead of the MJML (offerPath -> ctaUrl). */
  consumed?: readonly string[];
  /** Variables the send activity adds for this template only (a hand-off's Accept / Send back links). */
  provided?: readonly string[];
  /** A locale may send English words it lacks: declared per template, else lint refuses the gap. */
  fallback?: typeof FALLBACK_LOCALE;
}

const HEADER = /^\s*<!--([\s\S]*?)-->\s*/;
const headerSchema = z
  .object({
    kind: z.enum(['marketing', 'transactional']),
    cta: z.string().startsWith('/').optional(),
    variables: z.record(z.string(), z.string()).default({}),
    fields: z.string().refine((g) => g in VARIABLE_GROUPS, { message: `must be one of ${Object.keys(VARIABLE_GROUPS).join(', ')}` }).optional(),
    consumed: z.array(z.string()).optional(),
    provided: z.string().refine((p) => p in PROVIDED, { message: `must be one of ${Object.keys(PROVIDED).join(', ')}` }).optional(),
    fallback: z.literal(FALLBACK_LOCALE).optional(),
  })
  .strict();

/** The MJML of a message without its header (the header is the catalogue's, not the mail's). */
export const withoutHeader = (mjml: string): string => mjml.replace(HEADER, '');

/** A template's spec from its MJML file's header comment; errors name the file and the field. */
export function templateSpecOf(file: string, mjml: string): TemplateSpec {
  const m = HEADER.exec(mjml);
  if (!m) throw new Error(`${file}: no header comment (<!-- kind: marketing ... -->) declaring the template`);
  const parsed = headerSchema.safeParse(parseYaml(m[1]));
  if (!parsed.success) throw new Error(`${file}: header: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(header)'}: ${i.message}`).join('; ')}`);
  const h = parsed.data;
  const shape: Record<string, z.core.$ZodType> = { ...(h.fields ? VARIABLE_GROUPS[h.fields] : {}) };
  for (const [name, type] of Object.entries(h.variables)) {
    try {
      shape[name] = variableType(type);
    } catch (e) {
      throw new Error(`${file}: header: variables.${name}: ${(e as Error).message}`, { cause: e });
    }
  }
  return {
    kind: h.kind,
    variables: z.object(shape),
    ...(h.cta ? { ctaPath: h.cta } : {}),
    ...(h.consumed ? { consumed: h.consumed } : {}),
    ...(h.provided ? { provided: PROVIDED[h.provided] } : {}),
    ...(h.fallback ? { fallback: h.fallback } : {}),
  };
}

/** Every templates/messages/*.mjml, read once at start. */
export function loadTemplates(dir = path.join(TEMPLATES_DIR, 'messages')): Record<string, TemplateSpec> {
  const out: Record<string, TemplateSpec> = {};
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.mjml')).sort()) out[f.slice(0, -'.mjml'.length)] = templateSpecOf(path.join('templates/messages', f), readFileSync(path.join(dir, f), 'utf8'));
  return out;
}

export const TEMPLATES: Record<string, TemplateSpec> = loadTemplates();

export type TemplateId = string;
export const TEMPLATE_IDS: readonly TemplateId[] = Object.keys(TEMPLATES);

/** Variables the send activity supplies to every mail. */
export const SYSTEM_VARIABLES = ['companyName', 'companyAddress', 'unsubscribeUrl', 'openUrl', 'ctaUrl', 'surveyUrl', 'locale', 'subject', 'leadId'] as const;

export const isTemplateId = (id: string): id is TemplateId => Object.hasOwn(TEMPLATES, id);

export function resolveLocale(locale: string | undefined | null): Locale {
  const base = (locale ?? '').toLowerCase().split(/[-_]/)[0];
  return (LOCALES as readonly string[]).includes(base) ? (base as Locale) : FALLBACK_LOCALE;
}
