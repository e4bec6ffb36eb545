// The farewell survey's answer lists and the shape of its words, which live in
// templates/locales/<locale>.json under pages.survey (./page-words.ts; en is the fallback). The answer
// codes are what is stored and what the lead workflow reads (workflows/deferred/decide.ts).
import { z } from 'zod';
import type { Locale } from '../domain/mail/templates';
import { SURVEY_REASONS } from '../workflows/types';
import { pageWords } from './page-words';

export const SURVEY_TIMINGS = ['in_3_months', 'in_6_months', 'in_12_months', 'not_sure'] as const;
export const SURVEY_BUDGETS = ['none', 'small', 'medium', 'large'] as const;
export const SURVEY_BRING_BACK = ['lower_price', 'missing_feature', 'better_timing', 'more_proof', 'nothing'] as const;

/** Months until re-qualification a timing answer implies (none for "not sure": the reason decides). */
export const TIMING_MONTHS: Record<(typeof SURVEY_TIMINGS)[number], number | null> = { in_3_months: 3, in_6_months: 6, in_12_months: 12, not_sure: null };

const text = z.string().min(1);
/** A question's legend and one label per answer code. */
const choices = <K extends string>(codes: readonly K[]) => z.strictObject({ legend: text, ...(Object.fromEntries(codes.map((c) => [c, text])) as Record<K, typeof text>) });

export const surveyWordsSchema = z.strictObject({
  title: text,
  intro: text,
  again: text,
  reason: choices(SURVEY_REASONS),
  timing: choices(SURVEY_TIMINGS),
  budget: choices(SURVEY_BUDGETS),
  bringBack: choices(SURVEY_BRING_BACK),
  comment: text,
  submit: text,
  required: text,
  errorsTitle: text,
  invalid: text,
  /** A comment too long, or with characters no form sends (NUL). */
  commentInvalid: text,
  thanksTitle: text,
  thanks: text,
  thanksNotRelevant: text,
  /** Shown when a lead has sent the form SURVEY_MAX_ANSWERS times already. */
  enough: text,
});
export type SurveyWords = z.infer<typeof surveyWordsSchema>;

export const surveyWords = (locale: Locale): SurveyWords => pageWords('survey', surveyWordsSchema, locale);
