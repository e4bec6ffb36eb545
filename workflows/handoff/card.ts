// The lead card managers get with a hand-off, an escalation or a re-contact task: what the lead is
// and why it is here, as the manager-card templates take it.
import type { EmailVariables } from '../activity-contract';
import { computeScore } from '../scoring';
import { BANT_KEYS } from '../types';
import { rulesOf, type LeadState } from '../lead/state';

export function card(s: LeadState, now: number): EmailVariables {
  const score = computeScore(s.profile, s.behaviour, now, rulesOf(s));
  return {
    leadName: [s.profile.firstName, s.profile.lastName].filter(Boolean).join(' ') || s.profile.email,
    leadEmail: s.profile.email,
    company: s.profile.company ?? null,
    jobTitle: s.profile.jobTitle ?? null,
    phone: s.profile.phone ?? null,
    source: s.profile.source,
    score: s.score,
    temperature: s.temperature,
    scoreBreakdown: score.events
      .slice(-10)
      .map((e) => `${e.type} ${e.points > 0 ? '+' : ''}${e.points} (now ${e.decayed})`)
      .join('; '),
    activity: s.pageViews.slice(-5).map((p) => p.url).join(', '),
    bant: BANT_KEYS.map((k) => `${k}: ${s.bant[k] ? (s.bant[k]!.passed ? 'yes' : 'no') : '?'}`).join(', '),
  };
}
