// The lead card a manager gets (hand-off, SLA escalation, re-contact task): the workflow builds what it
// knows (score, pages, BANT, title, source: `card`), the send activity adds who the lead is from the
// database (`contactVariables`: name, address, company, phone), so no contact data rides in a workflow.
// Every field is made one line and clipped here, at its source, to what the mail templates
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

const opt = (v: string | null | undefined): string | null => (v ? oneLine(v, CARD_LIMITS.field) || null : null);

/** A lead's contact data as mails show it (the card's fields, and the greeting's name and company). */
export interface ContactRow {
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  company?: string | null;
  phone?: string | null;
}

/** What the send activity adds to every mail about a lead, from its row: never carried by a workflow. */
export function contactVariables(p: ContactRow): CardVariables {
  return {
    firstName: p.firstName ? oneLine(p.firstName, 200) : null,
    leadName: oneLine([p.firstName, p.lastName].filter(Boolean).join(' '), CARD_LIMITS.leadName) || oneLine(p.email, CARD_LIMITS.leadEmail),
    leadEmail: oneLine(p.email, CARD_LIMITS.leadEmail),
    company: opt(p.company),
    phone: opt(p.phone),
  };
}

/** The whole card, contact data included (tests and previews; the workflow builds only `card`). */
export function leadCard(c: CardInput): CardVariables {
  const { firstName: _first, ...contact } = contactVariables(c.profile);
  return { ...contact, ...cardFacts(c) };
}

function cardFacts(c: Omit<CardInput, 'profile'> & { profile: Pick<LeadProfile, 'jobTitle' | 'source'> }): CardVariables {
  const p = c.profile;
  return {
    jobTitle: opt(p.jobTitle),
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
  return cardFacts({ profile: s.profile, score: s.score, temperature: s.temperature, scoreEvents: score.events, pageViews: s.pageViews, bant: s.bant });
}
