// The farewell survey page behind the signed link in the farewell mails (domain/mail/links.ts:
// `/survey/<token>`, kind "survey", payload { l: leadId }, expiring). GET shows a small accessible form
// in the lead's language; POST validates the answers (zod), stores them as a SurveyResponse (last wins:
// earlier rows stay, marked current=false) and signals the lead workflow `survey_answered` with one
// idempotency id per submission. A forged or expired link gets an error page and nothing is stored.
// A link can be forwarded: requests per token are limited (./limits), and a lead's answers are
// capped (SURVEY_MAX_ANSWERS within a link's lifetime), so one link cannot add rows and signals
// without end.
import formbody from '@fastify/formbody';
import type { FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { escape } from 'html-escaper';
import { z } from 'zod';
import { LINK_TOKEN_PATTERN, SURVEY_TTL_MS, verifyLink } from '../domain/mail/links';
import { addressHash, suppressRow } from '../domain/mail/email-hash';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../domain/storable-text';
import { resolveLocale, type Locale } from '../domain/mail/templates';
import { SURVEY_REASONS, type EventData } from '../workflows/types';
import { linkLimited } from './limits';
import { signalLead } from '../domain/lead-signal';
import type { ApiPlugin } from './server';
import { SURVEY_BRING_BACK, SURVEY_BUDGETS, SURVEY_TIMINGS, TIMING_MONTHS, surveyWords, type SurveyWords } from './survey-words';

const asList = (v: unknown): unknown => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]);
const blankToUndefined = (v: unknown): unknown => (v === '' ? undefined : v);

export const surveyAnswersSchema = z.object({
  reason: z.enum(SURVEY_REASONS),
  timing: z.enum(SURVEY_TIMINGS),
  budget: z.preprocess(blankToUndefined, z.enum(SURVEY_BUDGETS).optional()),
  bringBack: z.preprocess(asList, z.array(z.enum(SURVEY_BRING_BACK)).max(SURVEY_BRING_BACK.length)),
  comment: z.preprocess(blankToUndefined, z.string().trim().max(1000).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE).optional()),
});
export type SurveyAnswers = z.infer<typeof surveyAnswersSchema>;

const params = z.object({ token: z.string().min(10).max(4000).regex(LINK_TOKEN_PATTERN, 'must be a link token') });
/** Answers kept per lead within one survey link's lifetime: changing one's mind a few times is fine. */
export const SURVEY_MAX_ANSWERS = 5;

function page(locale: string, title: string, body: string): string {
  return `<!doctype html><html lang="${escape(locale)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}fieldset{border:1px solid #bbb;border-radius:6px;margin:0 0 1.25rem;padding:.75rem 1rem}legend{font-weight:600;padding:0 .25rem}label{display:block;margin:.25rem 0}textarea{width:100%;min-height:6rem;font:inherit}button{font:inherit;padding:.6rem 1.2rem;background:#1d4ed8;color:#fff;border:0;border-radius:6px}.error{color:#b00020;font-weight:600}[aria-invalid=true]{border-color:#b00020}:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}</style></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function refusal(reply: FastifyReply, reason: 'forged' | 'expired' | 'malformed' | 'unknown'): FastifyReply {
  const expired = reason === 'expired';
  return reply
    .code(expired ? 410 : reason === 'unknown' ? 404 : 403)
    .type('text/html')
    .send(page('en', expired ? 'This survey link has expired' : 'This survey link is not valid', `<p>${expired ? 'The link in your mail was valid for a limited time.' : 'The link may be incomplete or altered.'} Nothing was saved.</p>`));
}

type Field = keyof SurveyAnswers;

/** The question as the lead reads it, for the error summary (not the field's code). */
const questionOf = (w: SurveyWords, f: Field): string => (f === 'comment' ? w.comment : w[f].legend);

function form(w: SurveyWords, answered: boolean, values: Partial<Record<Field, unknown>>, errors: Partial<Record<Field, string>>): string {
  const err = (f: Field): string => (errors[f] ? `<p class="error" id="${f}-error">${escape(errors[f]!)}</p>` : '');
  const group = <K extends string>(f: Field, options: readonly K[], labels: Record<K, string> & { legend: string }, multiple: boolean, required: boolean): string => {
    const chosen = new Set((Array.isArray(values[f]) ? values[f] : [values[f]]) as unknown[]);
    const items = options
      .map((o, i) => `<label><input type="${multiple ? 'checkbox' : 'radio'}" name="${f}" value="${o}" id="${f}-${i}"${chosen.has(o) ? ' checked' : ''}${required && !multiple ? ' required' : ''}> ${escape(labels[o])}</label>`)
      .join('');
    const described = errors[f] ? ` aria-describedby="${f}-error" aria-invalid="true"` : '';
    return `<fieldset${described}><legend>${escape(labels.legend)}${required ? ` <span>(${escape(w.required)})</span>` : ''}</legend>${err(f)}${items}</fieldset>`;
  };
  const summary = Object.keys(errors).length
    ? `<div role="alert"><h2>${escape(w.errorsTitle)}</h2><ul>${(Object.keys(errors) as Field[]).map((f) => `<li><a href="#${f}-${f === 'comment' ? 'input' : '0'}">${escape(questionOf(w, f))}: ${escape(errors[f]!)}</a></li>`).join('')}</ul></div>`
    : '';
  const comment = typeof values.comment === 'string' ? values.comment : '';
  return `${summary}<p>${escape(w.intro)}</p>${answered ? `<p>${escape(w.again)}</p>` : ''}
<form method="post" accept-charset="utf-8">
${group('reason', SURVEY_REASONS, w.reason, false, true)}
${group('timing', SURVEY_TIMINGS, w.timing, false, true)}
${group('budget', SURVEY_BUDGETS, w.budget, false, false)}
${group('bringBack', SURVEY_BRING_BACK, w.bringBack, true, false)}
<p><label for="comment-input">${escape(w.comment)}</label>${err('comment')}<textarea id="comment-input" name="comment" maxlength="1000"${errors.comment ? ' aria-invalid="true" aria-describedby="comment-error"' : ''}>${escape(comment)}</textarea></p>
<button type="submit">${escape(w.submit)}</button>
</form>`;
}

/** What the lead workflow gets: flat event data (codes only; the free text stays in the database). */
export function surveyEventData(a: SurveyAnswers, responseId: string): EventData {
  const months = TIMING_MONTHS[a.timing];
  return {
    responseId,
    reason: a.reason,
    timing: a.timing,
    budget: a.budget ?? null,
    bringBack: a.bringBack.join(','),
    commented: Boolean(a.comment),
    ...(months !== null ? { revisitMonths: months } : {}),
  };
}

type Opened =
  | { refused: 'forged' | 'expired' | 'malformed' | 'unknown' }
  | { lead: { id: string; email: string; unsubscribedAt: Date | null }; locale: Locale };

export const surveyPlugin: ApiPlugin = async (plain, deps) => {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  await app.register(formbody);
  const secret = deps.config.LINK_SIGNING_SECRET;

  const open = async (token: string): Promise<Opened> => {
    const v = verifyLink<{ l: string }>('survey', token, secret);
    if (!v.ok) return { refused: v.reason };
    const lead = await deps.db.lead.findUnique({ where: { id: v.payload.l }, select: { id: true, email: true, locale: true, erasedAt: true, unsubscribedAt: true } });
    if (!lead || lead.erasedAt) return { refused: 'unknown' };
    return { lead, locale: resolveLocale(lead.locale) };
  };

  app.get('/survey/:token', { ...linkLimited(), schema: { params, hide: true } }, async (req, reply) => {
    const o = await open(req.params.token);
    if ('refused' in o) return refusal(reply, o.refused);
    const w = surveyWords(o.locale);
    const prior = await deps.db.surveyResponse.findFirst({ where: { leadId: o.lead.id, current: true }, select: { answers: true } });
    return reply
      .type('text/html')
      .header('cache-control', 'no-store')
      .send(page(o.locale, w.title, form(w, prior !== null, (prior?.answers ?? {}) as Partial<Record<Field, unknown>>, {})));
  });

  app.post('/survey/:token', { ...linkLimited(), schema: { params, hide: true } }, async (req, reply) => {
    const o = await open(req.params.token);
    if ('refused' in o) return refusal(reply, o.refused);
    const w = surveyWords(o.locale);
    const recent = await deps.db.surveyResponse.count({ where: { leadId: o.lead.id, submittedAt: { gte: new Date(Date.now() - SURVEY_TTL_MS) } } });
    if (recent >= SURVEY_MAX_ANSWERS) return reply.code(429).type('text/html').send(page(o.locale, w.thanksTitle, `<p>${escape(w.enough)}</p>`));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const parsed = surveyAnswersSchema.safeParse(body);
    if (!parsed.success) {
      const errors: Partial<Record<Field, string>> = {};
      for (const i of parsed.error.issues) {
        const f = String(i.path[0] ?? 'reason') as Field;
        errors[f] ??= f === 'comment' ? w.commentInvalid : w.invalid;
      }
      return reply.code(400).type('text/html').send(page(o.locale, w.title, form(w, false, body as Partial<Record<Field, unknown>>, errors)));
    }
    const answers = parsed.data;
    const { lead } = o;
    // One transaction: the new answer becomes the current one, earlier ones stay for the log; "not
    // relevant" also ends marketing mail (the suppression outlives even an erasure). The lead row stays.
    const hash = answers.reason === 'not_relevant' ? await addressHash(deps.db, lead.email) : null;
    const [, created] = await deps.db.$transaction([
      deps.db.surveyResponse.updateMany({ where: { leadId: lead.id, current: true }, data: { current: false } }),
      deps.db.surveyResponse.create({ data: { leadId: lead.id, answers: { ...answers, locale: o.locale } as never, current: true } }),
      ...(hash
        ? [
            deps.db.lead.update({ where: { id: lead.id }, data: { unsubscribedAt: lead.unsubscribedAt ?? new Date() } }),
            suppressRow(deps.db, hash, 'not_relevant'),
          ]
        : []),
    ]);
    await signalLead(deps, lead.id, { id: `survey:${created.id}`, type: 'survey_answered', data: surveyEventData(answers, created.id) });
    return reply.type('text/html').send(page(o.locale, w.thanksTitle, `<p>${escape(answers.reason === 'not_relevant' ? w.thanksNotRelevant : w.thanks)}</p>`));
  });
};
