// When the lead next needs its loop to run, and why (shown in the state query and NextActionTime).
import { nextCooling } from '../qualification/scoring';
import { HOLIDAY_RELOOK_MS } from '../greetings/decide';
import type { LeadState } from './state';

export function nextWake(s: LeadState, now: number): { at: number; reason: string } | null {
  const c: { at: number; reason: string }[] = [];
  if (!s.paused) {
    if (s.seq?.sleepUntil) c.push({ at: s.seq.sleepUntil, reason: `sequence ${s.seq.id} step ${s.seq.path.join('.')}` });
    if (s.seq?.waitingFor) c.push({ at: s.seq.waitingFor.until, reason: `sequence ${s.seq.id} waits for ${s.seq.waitingFor.events.join('/')}` });
    if (s.stage === 'sql' && s.nextRouteAt) c.push({ at: s.nextRouteAt, reason: 'retry routing (no manager free)' });
    if (s.assignment && !s.assignment.accepted) c.push({ at: s.assignment.slaDueAt, reason: `SLA: ${s.assignment.managerId} must accept` });
    if (s.stage === 'deferred' && s.requalifyAt) c.push({ at: s.requalifyAt, reason: 're-qualification' });
    if (s.stage === 'deferred' && s.offers.length) c.push({ at: Math.min(...s.offers.map((o) => Math.min(o.notBefore, o.until + 1))), reason: `offer ${s.offers[0].campaignId}` });
    if (s.stage === 'deferred' && s.holiday.next) c.push({ at: Date.parse(s.holiday.next.sendAt), reason: `greeting: ${s.holiday.next.name}` });
    if (s.stage === 'deferred' && !s.holiday.next && s.profile.country && s.holiday.lookedUpAt !== null) c.push({ at: s.holiday.lookedUpAt + HOLIDAY_RELOOK_MS, reason: 'look up holidays' });
  }
  const cool = s.rules ? nextCooling(s.profile, s.behaviour, now, s.rules.rules) : null;
  if (cool !== null) c.push({ at: cool, reason: 'score cools into a lower band' });
  return c.sort((a, b) => a.at - b.at)[0] ?? null;
}
