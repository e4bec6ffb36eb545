// The lead card a manager gets (hand-off, SLA escalation, re-contact task), built in the workflow from
// the lead's state. Every field is made one line and clipped here, at its source, to what the mail templates
// accept (domain/mail/templates.ts takes its limits from CARD_LIMITS): long tracked URLs, many
// score lines or a line break in a name stored before intake refused them can never fail the send.
// Pure and deterministic (workflow code).
import type { ScoreLine } from '../lead/messages';
import { joinClipped, oneLine } from '../one-line';
import type { EmailVariables } from '../activity-contract';
import { computeScore } from '../qualification/scoring';
import { BANT_KEYS, type Bant, type LeadProfile } from '../types';
import { rulesOf, type LeadState } from '../lead/state';

export const CARD_LIMITS = {
  leadName: 300,
  leadEmail: 320,
  /** company, job title, phone */
  field: 200,
  source: 100,
  /** the score breakdown and the pages visited: several values joined */
  list: 2000,
  bant: 500,
  /** one visited page in the list, after its utm_* tags are dropped */
  url: 150,
} as const;

export interface CardInput {
  profile: Pick<LeadProfile, 'email' | 'firstName' | 'lastName' | 'company' | 'jobTitle' | 'phone' | 'source'>;
  score: number;
  temperature: string;
  /** The lead's scored events, oldest first (the state view's score lines). */
  scoreEvents: readonly Pick<ScoreLine, 'type' | 'points' | 'decayed'>[];
  /** Pages visited, oldest first. */
  pageViews: readonly { url: string }[];
  bant: Bant;
}

/** A visited page as a manager reads it: campaign tags (utm_*) say nothing about the page and can run to thousands of characters. */
export function pageOf(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const kept = url
    .slice(q + 1)
    .split('&')
    .filter((p) => p && !/^utm_/i.test(p));
  return kept.length ? `${url.slice(0, q)}?${kept.join('&')}` : url.slice(0, q);
}

export type CardVariables = Record<string, string | number | null>;

export function leadCard(c: CardInput): CardVariables {
  const p = c.profile;
  const opt = (v: string | undefined): string | null => (v ? oneLine(v, CARD_LIMITS.field) || null : null);
  return {
    leadName: oneLine([p.firstName, p.lastName].filter(Boolean).join(' '), CARD_LIMITS.leadName) || oneLine(p.email, CARD_LIMITS.leadEmail),
    leadEmail: oneLine(p.email, CARD_LIMITS.leadEmail),
    company: opt(p.company),
    jobTitle: opt(p.jobTitle),
    phone: opt(p.phone),
    source: oneLine(p.source, CARD_LIMITS.source),
    score: c.score,
    temperature: c.temperature,
    scoreBreakdown: joinClipped(
      c.scoreEvents.slice(-10).map((e) => `${e.type} ${e.points > 0 ? '+' : ''}${e.points} (now ${e.decayed})`),
      '; ',
      CARD_LIMITS.list,
    ),
    activity: joinClipped(
      c.pageViews.slice(-5).map((v) => pageOf(v.url)),
      ', ',
      CARD_LIMITS.list,
      CARD_LIMITS.url,
    ),
    bant: oneLine(BANT_KEYS.map((k) => `${k}: ${c.bant[k] ? (c.bant[k]!.passed ? 'yes' : 'no') : '?'}`).join(', '), CARD_LIMITS.bant),
  };
}

/** The card of the lead in state `s` at `now`, as the manager-card templates take it. */
export function card(s: LeadState, now: number): EmailVariables {
  const score = computeScore(s.profile, s.behaviour, now, rulesOf(s));
  return leadCard({ profile: s.profile, score: s.score, temperature: s.temperature, scoreEvents: score.events, pageViews: s.pageViews, bant: s.bant });
}
