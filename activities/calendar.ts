// Wall-clock answers for the workflow, which has no timezone data: "next Tuesday 10:00 in the
// lead's zone", "two business days from now in the lead's country" and "the next holiday worth a
// greeting in the lead's country". Movable feasts come from
// the date-holidays library (Western and Orthodox Easter computed, not typed in).
import Holidays from 'date-holidays';
import { DateTime } from 'luxon';
import type { CalendarRule, HolidayOccurrence, LeadActivities } from '../workflows/activity-contract';

const zoneOr = (tz: string): string => (DateTime.now().setZone(tz).isValid ? tz : 'UTC');

export function nextCalendarTime(rule: CalendarRule, timezone: string, after: string, country?: string | null): string {
  const [hour, minute] = rule.time.split(':').map(Number);
  const start = DateTime.fromISO(after, { zone: 'utc' }).setZone(zoneOr(timezone));
  for (let i = rule.minDaysAhead ?? 0; i < 400; i++) {
    // Setting the wall-clock time per day keeps 10:00 at 10:00 across DST changes.
    const c = start.plus({ days: i }).set({ hour, minute, second: 0, millisecond: 0 });
    if (c > start && (!rule.weekdays?.length || rule.weekdays.includes(c.weekday)) && (!rule.businessDays || isBusinessDay(c, country))) return c.toUTC().toISO()!;
  }
  throw new Error(`no day matches ${JSON.stringify(rule)}`);
}

// --- business days: Monday to Friday, minus the public holidays of the lead's country ------------------
const publicHolidayCache = new Map<string, Set<string>>();

/** The public (not bank, school or observance) holidays of a country in a year, as local dates. */
function publicHolidays(country: string, year: number): Set<string> {
  const key = `${country}:${year}`;
  let days = publicHolidayCache.get(key);
  if (!days) {
    // An unknown country has no holidays (getHolidays answers []): weekends only.
    days = new Set(new Holidays(country).getHolidays(year).filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10)));
    publicHolidayCache.set(key, days);
  }
  return days;
}

const countryCode = (country: string | null | undefined): string | null => {
  const cc = (country ?? '').trim().toUpperCase();
  return cc === 'UK' ? 'GB' : /^[A-Z]{2}$/.test(cc) ? cc : null;
};

/** A weekday that is no public holiday in `country` (unknown country: weekends only), on the local date of `t`. */
export function isBusinessDay(t: DateTime, country: string | null | undefined): boolean {
  if (t.weekday > 5) return false;
  const cc = countryCode(country);
  return !cc || !publicHolidays(cc, t.year).has(t.toISODate()!);
}

/** Business hours start: a send held back from a weekend or holiday goes out at this local time. */
export const BUSINESS_DAY_START = { hour: 9, minute: 0 };

/**
 * `after` plus `plusMs`, counting whole days as business days in the lead's zone and country (a
 * 2-day wait from Friday ends on Tuesday; the rest of a day is added as plain time); the result, if
 * it falls on a weekend or holiday, moves to the next business day. With `plusMs` 0: `after` itself
 * on a business day, else the next business day at BUSINESS_DAY_START (a send held back).
 */
export function businessTime(after: string, plusMs: number, timezone: string, country?: string | null): string {
  const DAY = 86_400_000;
  let t = DateTime.fromISO(after, { zone: 'utc' }).setZone(zoneOr(timezone));
  const days = Math.floor(plusMs / DAY);
  for (let left = days; left > 0; ) {
    t = t.plus({ days: 1 });
    if (isBusinessDay(t, country)) left--;
  }
  t = t.plus({ milliseconds: plusMs - days * DAY });
  if (!isBusinessDay(t, country)) {
    for (let i = 0; i < 400 && !isBusinessDay(t, country); i++) t = t.plus({ days: 1 });
    // A plain hold-back starts the day's business; a counted wait keeps its time of day.
    if (plusMs === 0) t = t.set({ ...BUSINESS_DAY_START, second: 0, millisecond: 0 });
  }
  return t.toUTC().toISO()!;
}

/**
 * Holidays we greet for, per country, as date-holidays rules. Fixed dates are greeted on the day
 * itself, not on a shifted "observed" day.
 */
export const GREETING_RULES: Record<string, { rule: string; slug: string }[]> = {
  PL: [{ rule: '01-01', slug: 'new-year' }, { rule: 'easter', slug: 'easter' }, { rule: '05-03', slug: 'constitution-day' }, { rule: '11-11', slug: 'independence-day' }, { rule: '12-25', slug: 'christmas' }],
  GR: [{ rule: '01-01', slug: 'new-year' }, { rule: '03-25', slug: 'independence-day' }, { rule: 'orthodox', slug: 'easter' }, { rule: '10-28', slug: 'ochi-day' }, { rule: '12-25', slug: 'christmas' }],
  RU: [{ rule: '01-01', slug: 'new-year' }, { rule: 'julian 12-25', slug: 'christmas' }, { rule: 'orthodox', slug: 'easter' }, { rule: '06-12', slug: 'russia-day' }],
  US: [{ rule: '01-01', slug: 'new-year' }, { rule: 'easter', slug: 'easter' }, { rule: '07-04', slug: 'independence-day' }, { rule: '4th thursday in November', slug: 'thanksgiving' }, { rule: '12-25', slug: 'christmas' }],
  GB: [{ rule: '01-01', slug: 'new-year' }, { rule: 'easter', slug: 'easter' }, { rule: '12-25', slug: 'christmas' }],
  DE: [{ rule: '01-01', slug: 'new-year' }, { rule: 'easter', slug: 'easter' }, { rule: '10-03', slug: 'unity-day' }, { rule: '12-25', slug: 'christmas' }],
};

const GREETING_HOUR = 10;

function occurrences(country: string, year: number, locale: string): { date: string; name: string; slug: string }[] {
  const rules = GREETING_RULES[country];
  if (!rules) return [];
  const hd = new Holidays(country);
  const lang = locale.split(/[-_]/)[0];
  const found = hd.getHolidays(year, lang);
  const out: { date: string; name: string; slug: string }[] = [];
  for (const { rule, slug } of rules) {
    const fixed = /^(\d\d)-(\d\d)$/.exec(rule);
    // Exact rule; a fixed date may carry an observance suffix ("07-04 and if sunday then ...").
    const h = found.find((x) => x.rule === rule || (fixed !== null && x.rule.startsWith(`${rule} and `)));
    if (!h) continue;
    const date = fixed ? `${year}-${fixed[1]}-${fixed[2]}` : h.date.slice(0, 10);
    out.push({ date, name: h.name.replace(/\s*\(.*\)$/, ''), slug });
  }
  return out.sort((a, b) => a.date.localeCompare(b.date));
}

export function nextHoliday(country: string, locale: string, timezone: string, after: string): HolidayOccurrence | null {
  const cc = country.toUpperCase() === 'UK' ? 'GB' : country.toUpperCase();
  const zone = zoneOr(timezone);
  const from = DateTime.fromISO(after, { zone: 'utc' });
  for (let year = from.setZone(zone).year; year <= from.setZone(zone).year + 1; year++) {
    for (const o of occurrences(cc, year, locale)) {
      const sendAt = DateTime.fromISO(o.date, { zone }).set({ hour: GREETING_HOUR });
      if (sendAt > from) return { key: `${cc}:${o.date}:${o.slug}`, name: o.name, sendAt: sendAt.toUTC().toISO()! };
    }
  }
  return null;
}

export function createCalendarActivities(): Pick<LeadActivities, 'nextCalendarTime' | 'nextHoliday' | 'businessTime'> {
  return {
    nextCalendarTime: async (rule, timezone, after, country) => nextCalendarTime(rule, timezone, after, country),
    businessTime: async (after, plusMs, timezone, country) => businessTime(after, plusMs, timezone, country),
    nextHoliday: async (country, locale, timezone, after) => nextHoliday(country, locale, timezone, after),
  };
}
