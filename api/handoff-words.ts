// The shape of the hand-off pages' words (api/handoff.ts), which live in templates/locales/<locale>.json
// under pages.handoff (./page-words.ts; en is the fallback). The pages speak the manager's language,
// like the card that links to them.
import { z } from 'zod';
import type { Locale } from '../domain/mail/templates';
import { pageWords } from './page-words';

const text = z.string().min(1);

export const handoffWordsSchema = z.strictObject({
  acceptTitle: text,
  backTitle: text,
  acceptIntro: text,
  backIntro: text,
  acceptButton: text,
  backButton: text,
  lead: text,
  leadId: text,
  company: text,
  score: text,
  stage: text,
  deadline: text,
  acceptedTitle: text,
  acceptedText: text,
  sentBackTitle: text,
  sentBackText: text,
  closedTitle: text,
  /** Why a link no longer works, by the offer's status. */
  closed: z.strictObject({ accepted: text, declined: text, missed: text, other: text }),
  failedTitle: text,
});
export type HandoffWords = z.infer<typeof handoffWordsSchema>;

export const handoffWords = (locale: Locale): HandoffWords => pageWords('handoff', handoffWordsSchema, locale);
