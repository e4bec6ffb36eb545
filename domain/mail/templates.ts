// The mail catalogue: every message, who it is for, and the variables it takes (zod). The MJML
// structure lives in templates/messages/<id>.mjml, the words in templates/locales/<locale>.json.
import { z } from 'zod';
import { CARD_LIMITS } from '../../workflows/handoff/card';

export const LOCALES = ['en', 'pl', 'ru', 'el'] as const;
export type Locale = (typeof LOCALES)[number];
export const FALLBACK_LOCALE: Locale = 'en';

const name = z.string().max(200).nullable().optional();
// The card's limits are the ones workflows/lead-card.ts clips to: one source for both.
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
const lead = { firstName: name, company: name };
/** What the send activity adds to a mail offering a lead to a manager (domain/mail/handoff.ts). */
export const HANDOFF_VARIABLES = ['acceptUrl', 'sendBackUrl'] as const;
const managerCard = z.object({ ...cardVars, acceptBy: z.string().min(1).max(80) });

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
}

export const TEMPLATES = {
  'cold-ebook': { kind: 'marketing', variables: z.object(lead), ctaPath: '/resources/ebook' },
  'cold-blog-digest': { kind: 'marketing', variables: z.object({ ...lead, edition: z.string().max(40).optional() }), ctaPath: '/blog' },
  'cold-webinar-invite': { kind: 'marketing', variables: z.object(lead), ctaPath: '/webinar' },
  'warm-case-study': { kind: 'marketing', variables: z.object(lead), ctaPath: '/case-studies' },
  'warm-comparison': { kind: 'marketing', variables: z.object(lead), ctaPath: '/compare' },
  'warm-consultation': { kind: 'marketing', variables: z.object({ ...lead, variant: z.enum(['A', 'B']).optional() }), ctaPath: '/demo' },
  'hot-fast-track': { kind: 'marketing', variables: z.object(lead), ctaPath: '/demo' },
  farewell: { kind: 'marketing', variables: z.object({ ...lead, reason: z.string().max(40).optional() }), ctaPath: '/pricing/starter' },
  'farewell-survey-reminder': { kind: 'marketing', variables: z.object(lead) },
  'deferred-keep-in-touch': { kind: 'marketing', variables: z.object({ ...lead, edition: z.string().max(40).optional() }), ctaPath: '/whats-new' },
  'holiday-greeting': { kind: 'marketing', variables: z.object({ ...lead, holiday: z.string().min(1).max(120) }), ctaPath: '/' },
  offer: { kind: 'marketing', variables: z.object({ ...lead, offerTitle: z.string().min(1).max(150), offerText: z.string().min(1).max(2000), offerPath: z.string().startsWith('/').max(300) }), consumed: ['offerPath'] },
  'double-opt-in': { kind: 'transactional', variables: z.object(lead) },
  'manager-new-lead': { kind: 'transactional', variables: managerCard, provided: HANDOFF_VARIABLES },
  'manager-sla-reminder': { kind: 'transactional', variables: managerCard, provided: HANDOFF_VARIABLES },
  'manager-recontact-task': {
    kind: 'transactional',
    variables: z.object({
      ...cardVars,
      taskId: z.string().min(1).max(100),
      why: z.string().min(1).max(1000),
      refusal: z.string().min(1).max(500),
      refusalNote: z.string().max(2000).nullable().optional(),
      surveyAnswers: z.string().max(2000).nullable().optional(),
      behaviourSince: z.string().min(1).max(2000),
    }),
  },
  'sales-escalation': { kind: 'transactional', variables: z.object({ ...cardVars, misses: z.number().int(), lastManager: z.string().min(1).max(320) }) },
} satisfies Record<string, TemplateSpec>;

export type TemplateId = keyof typeof TEMPLATES;
export const TEMPLATE_IDS = Object.keys(TEMPLATES) as TemplateId[];

/** Variables the send activity supplies to every mail. */
export const SYSTEM_VARIABLES = ['companyName', 'companyAddress', 'unsubscribeUrl', 'openUrl', 'ctaUrl', 'surveyUrl', 'locale', 'subject', 'leadId'] as const;

export const isTemplateId = (id: string): id is TemplateId => Object.hasOwn(TEMPLATES, id);

export function resolveLocale(locale: string | undefined | null): Locale {
  const base = (locale ?? '').toLowerCase().split(/[-_]/)[0];
  return (LOCALES as readonly string[]).includes(base) ? (base as Locale) : FALLBACK_LOCALE;
}
