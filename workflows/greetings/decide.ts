// Holiday greetings for the deferred-demand base: the lead's next holiday is looked up (an activity:
// the workflow has no calendar data), greeted on the day in its timezone, once; held back by quiet
// hours or the cap it is tried again the same day, and a day late it is dropped.
import type { HolidayOccurrence, SendEmailResult } from '../activity-contract';
import { decided, type Command, type Decision, type Performed } from '../lead/commands';
import { draft, record, type LeadState } from '../lead/state';

const DAY_MS = 86_400_000;
export const HOLIDAY_LOOKAHEAD_MS = 400 * DAY_MS;
/** A greeting later than this after its hour is skipped (the lead was not deferred on the day). */
export const GREETING_LATE_MS = DAY_MS;
/** A lead with nothing to greet looks again after this long. */
export const HOLIDAY_RELOOK_MS = 30 * DAY_MS;

export type GreetingsMessage = { kind: 'tick' } | Performed;

export function decide(state: LeadState, m: GreetingsMessage, now: number): Decision {
  const s = draft(state);
  if (m.kind === 'tick') return decided(s, tick(s, now));
  if (m.command.kind === 'nextHoliday') {
    const next = m.outcome.ok ? (m.outcome.value as HolidayOccurrence | null) : null;
    // A failed look-up is recorded by the boundary; tried again a day later.
    s.holiday = { ...s.holiday, next: next && Date.parse(next.sendAt) <= now + HOLIDAY_LOOKAHEAD_MS ? next : null, lookedUpAt: now };
  } else if (m.command.kind === 'sendEmail' && m.command.purpose.kind === 'greeting') {
    return decided(s, greeted(s, m.command.purpose.occurrence, m.outcome.ok ? (m.outcome.value as SendEmailResult) : null, m.outcome.ok ? '' : m.outcome.reason, now));
  }
  return decided(s);
}

function lookUp(s: LeadState, now: number): Command[] {
  if (!s.profile.country) return [];
  return [{ kind: 'nextHoliday', country: s.profile.country, locale: s.profile.locale, timezone: s.profile.timezone, after: new Date(now).toISOString() }];
}

function tick(s: LeadState, now: number): Command[] {
  if (!s.profile.country || s.paused) return [];
  // While rejected: looked up once, so the state shows the first greeting the deferred base will bring.
  if (s.stage === 'rejected') return s.holiday.lookedUpAt === null ? lookUp(s, now) : [];
  if (s.stage !== 'deferred') return [];
  const h = s.holiday;
  if (h.next && now >= Date.parse(h.next.sendAt)) {
    const occ = h.next;
    if (now - Date.parse(occ.sendAt) > GREETING_LATE_MS) {
      // Looked up during an earlier deferral and passed while the lead was elsewhere.
      record(s, 'holiday_greeting_skipped', now, { reason: `${occ.name}: passed while the lead was not deferred`, payload: { key: occ.key } });
    } else if (!h.sent.includes(occ.key)) {
      s.holiday = { ...h, next: null };
      return [
        {
          kind: 'sendEmail',
          purpose: { kind: 'greeting', occurrence: occ },
          mail: { idempotencyKey: `${s.leadId}:holiday:${occ.key}`, template: 'holiday-greeting', kind: 'marketing', variables: { holiday: occ.name } },
        },
      ];
    }
    s.holiday = { ...h, next: null };
  }
  return relook(s, now);
}

function relook(s: LeadState, now: number): Command[] {
  const h = s.holiday;
  return !h.next && (h.lookedUpAt === null || now - h.lookedUpAt > DAY_MS) ? lookUp(s, now) : [];
}

function greeted(s: LeadState, occ: HolidayOccurrence, r: SendEmailResult | null, failure: string, now: number): Command[] {
  // Held back (quiet hours, the cap) but still on the day: try again then, same ledger key.
  if (r?.status === 'deferred' && Date.parse(r.until) - Date.parse(occ.sendAt) <= GREETING_LATE_MS) {
    s.holiday = { ...s.holiday, next: { ...occ, sendAt: r.until } };
    return [];
  }
  s.holiday = { ...s.holiday, sent: [...s.holiday.sent, occ.key].slice(-50) };
  const ok = r?.status === 'sent' || r?.status === 'already_sent';
  record(s, ok ? 'holiday_greeting_sent' : 'holiday_greeting_not_sent', now, { reason: ok ? occ.name : `${occ.name}: ${!r ? failure : r.status === 'deferred' ? r.reason : r.status}`, payload: { key: occ.key } });
  return relook(s, now);
}
