// What a new lead looks like from the outside: one zod schema shared by `POST /leads`, the CSV
// import and the OpenAPI document, so every entrance validates the same way and names the field.
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { CONTROL_CHARACTERS } from '../../workflows/one-line';
import type { IntakeInput } from './intake';

/** Where a lead came from; untracked sources would make the KPIs meaningless, so it is required. */
export const CHANNELS = ['web_form', 'landing_page', 'chat', 'inbound_mail', 'event', 'import', 'third_party', 'referral', 'partner', 'api'] as const;
export type Channel = (typeof CHANNELS)[number];

// Control characters are refused where they enter, never "repaired" later.
export { CONTROL_CHARACTERS };
export const CONTROL_CHARACTERS_MESSAGE = 'must not contain control characters (line breaks, tabs, ...)';
/** One line of text: trimmed, non-empty, at most `max` characters, no control characters. */
export const singleLine = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max).refine((v) => !CONTROL_CHARACTERS.test(v), CONTROL_CHARACTERS_MESSAGE);
const text = singleLine;
/** An address as forms send it: surrounding spaces tolerated, anything else must be an address. */
export const emailField = z.string().trim().pipe(z.email('must be an e-mail address').max(254));

export const utmSchema = z
  .object({
    source: text(200),
    medium: text(200),
    campaign: text(200).optional(),
    term: text(200).optional(),
    content: text(200).optional(),
  })
  .strict()
  .meta({ description: 'UTM parameters of the visit that brought the lead (utm_source, utm_medium, ...).' });

export const sourceSchema = z
  .object({
    channel: z.enum(CHANNELS),
    /** A Campaign id (spend is recorded there, for CPL / CPA / ROI). */
    campaign: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only').optional(),
    utm: utmSchema.optional(),
  })
  .strict();

export const consentSchema = z
  .object({
    /** pending: double opt-in asked, confirmation mail follows; confirmed: already confirmed elsewhere; not_required: e.g. an existing business relationship. */
    status: z.enum(['pending', 'confirmed', 'not_required']),
    /** Version of the consent text the person saw, kept with the consent. */
    textVersion: text(100),
    /** Where consent was given (form id, page); defaults to the source channel. */
    source: text(200).optional(),
  })
  .strict();

export const leadBodySchema = z
  .object({
    email: emailField,
    firstName: text(100),
    lastName: text(100).optional(),
    company: text(200).optional(),
    companySize: z.number().int().min(1).max(10_000_000).optional(),
    phone: z.string().trim().regex(/^\+?[0-9][0-9 ()./-]{4,29}$/, 'must be a phone number like +48 22 123 45 67').optional(),
    jobTitle: text(200).optional(),
    /** Industry name or classification code (e.g. software, NACE 62.01); feeds profile scoring. */
    industry: text(100).optional(),
    // The URL parser drops tabs and line breaks silently: refuse them before it sees the value.
    website: z.string().refine((v) => !CONTROL_CHARACTERS.test(v), CONTROL_CHARACTERS_MESSAGE).pipe(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(500)).optional(),
    country: z.string().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166 two-letter code').optional(),
    locale: z.string().regex(/^[a-z]{2}(-[A-Za-z]{2})?$/, 'must be a language code like en or pl-PL').optional(),
    timezone: z.string().max(64).refine((tz) => IANAZone.isValidZone(tz), 'must be an IANA timezone like Europe/Warsaw').optional(),
    source: sourceSchema,
    consent: consentSchema.optional(),
    /** Idempotency id of this submission; a retry with the same id counts once. */
    eventId: text(200).optional(),
  })
  .strict();
export type LeadBody = z.infer<typeof leadBodySchema>;

/**
 * The one-line profile fields of a lead, as the intake core checks them for every entrance that does
 * not come through `leadBodySchema` (inbound mail, seeds, scripts): the same rules, field by field.
 */
export const leadProfileFieldsSchema = leadBodySchema.pick({ firstName: true, lastName: true, company: true, phone: true, jobTitle: true, industry: true, website: true }).partial();

/** The intake core's input from a validated body. */
export function toIntakeInput(body: LeadBody): IntakeInput {
  const utm = body.source.utm ? Object.fromEntries(Object.entries(body.source.utm).filter(([, v]) => v !== undefined)) as Record<string, string> : undefined;
  return {
    email: body.email,
    firstName: body.firstName,
    lastName: body.lastName,
    company: body.company,
    companySize: body.companySize,
    phone: body.phone,
    jobTitle: body.jobTitle,
    industry: body.industry,
    website: body.website,
    country: body.country,
    locale: body.locale?.slice(0, 2).toLowerCase(),
    timezone: body.timezone,
    source: body.source.channel,
    campaignId: body.source.campaign,
    utm,
    consent: body.consent?.status ?? 'unknown',
    consentTextVersion: body.consent?.textVersion,
    consentSource: body.consent?.source ?? body.source.channel,
    ...(body.eventId ? { event: { id: `intake:${body.eventId}`, type: 'form_submitted' as const, data: { source: body.source.channel } } } : {}),
  };
}

/** CSV columns (snake_case, as spreadsheets have them) -> the body shape; empty cells are absent. */
export const CSV_COLUMNS = {
  email: 'email',
  first_name: 'firstName',
  last_name: 'lastName',
  company: 'company',
  company_size: 'companySize',
  phone: 'phone',
  job_title: 'jobTitle',
  industry: 'industry',
  website: 'website',
  country: 'country',
  locale: 'locale',
  timezone: 'timezone',
} as const;

/** Turns one CSV record into a body for `leadBodySchema`; channel and campaign default from the CLI. */
export function csvRowToBody(row: Record<string, string>, defaults: { channel: string; campaign?: string }): unknown {
  const cell = (k: string): string | undefined => {
    const v = row[k]?.trim();
    return v ? v : undefined;
  };
  const body: Record<string, unknown> = {};
  for (const [col, field] of Object.entries(CSV_COLUMNS)) {
    const v = cell(col);
    if (v === undefined) continue;
    // A non-numeric size stays a string so the schema names the field instead of silently dropping it.
    body[field] = field === 'companySize' && /^\d+$/.test(v) ? Number(v) : v;
  }
  const utm = Object.fromEntries(['source', 'medium', 'campaign', 'term', 'content'].flatMap((k) => (cell(`utm_${k}`) ? [[k, cell(`utm_${k}`)]] : [])));
  const campaign = cell('campaign') ?? defaults.campaign;
  body.source = { channel: cell('channel') ?? defaults.channel, ...(campaign ? { campaign } : {}), ...(Object.keys(utm).length ? { utm } : {}) };
  const consentStatus = cell('consent_status');
  if (consentStatus) body.consent = { status: consentStatus, textVersion: cell('consent_text_version'), ...(cell('consent_source') ? { source: cell('consent_source') } : {}) };
  return body;
}

/** zod issues as the API reports them: the field's dotted path and the reason. */
export function fieldErrors(error: z.ZodError): { field: string; message: string }[] {
  return error.issues.map((i) => {
    const keys = i.code === 'unrecognized_keys' ? i.keys : [];
    const field = [...i.path.map(String), ...(keys.length === 1 ? keys : [])].join('.') || keys.join(',');
    return { field, message: i.message };
  });
}
