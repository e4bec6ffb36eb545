// Send-time rules, judged at the workflow's time in the lead's own timezone: quiet hours (defer,
// never drop) and one frequency cap across all sequences for marketing mail.
import { DateTime, IANAZone } from 'luxon';

export interface QuietHours {
  /** "HH:MM" local; the window may wrap midnight (20:00-08:00). */
  start: string;
  end: string;
}

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

// Zone offsets change only at transitions, months apart. Per zone we keep the offset of one
// 6-hour slot whose two ends were both looked up and agree: any instant inside it has that offset
// too (two transitions within 6 hours do not occur). Sends cluster around "now", so most hit.
const SLOT_MS = 6 * 3_600_000;
const offsetSlots = new Map<string, { from: number; offset: number }>();
function zoneOffset(zone: IANAZone, ts: number): number {
  const from = ts - (ts % SLOT_MS);
  const slot = offsetSlots.get(zone.name);
  if (slot?.from === from) return slot.offset;
  const offset = zone.offset(ts);
  if (zone.offset(from) === offset && zone.offset(from + SLOT_MS) === offset) offsetSlots.set(zone.name, { from, offset });
  return offset;
}

/** null when `at` is outside quiet hours, else the first allowed instant after them. */
export function quietUntil(at: Date, timezone: string, q: QuietHours): Date | null {
  // Runs on every send: one zone-offset lookup (IANAZone caches the zone and its formatter) decides
  // the common case; the DST-aware date arithmetic below runs only for a mail that is deferred.
  const iana = IANAZone.create(timezone);
  const zone = iana.isValid ? timezone : 'UTC';
  const offsetMin = iana.isValid ? zoneOffset(iana, at.getTime()) : 0;
  const now = Math.floor((at.getTime() / 60_000 + offsetMin) % 1440 + 1440) % 1440;
  const s = minutes(q.start);
  const e = minutes(q.end);
  const inside = s <= e ? now >= s && now < e : now >= s || now < e;
  if (!inside) return null;
  const local = DateTime.fromJSDate(at).setZone(zone);
  let end = local.set({ hour: Math.floor(e / 60), minute: e % 60, second: 0, millisecond: 0 });
  if (end <= local) end = end.plus({ days: 1 });
  return end.toJSDate();
}

/**
 * null when another marketing mail fits under the cap, else when it will: the oldest counted send
 * leaves the window. `sentAt` are the lead's marketing sends inside the window, any order.
 */
export function capUntil(at: Date, sentAt: Date[], cap: { max: number; days: number }): Date | null {
  const windowMs = cap.days * 86_400_000;
  const inWindow = sentAt.filter((d) => at.getTime() - d.getTime() < windowMs).sort((a, b) => a.getTime() - b.getTime());
  if (inWindow.length < cap.max) return null;
  return new Date(inWindow[inWindow.length - cap.max].getTime() + windowMs + 1000);
}

/**
 * Marketing consent from Lead.consentStatus: only `confirmed` and `not_required` allow a send;
 * `withdrawn` never will; `pending` / `unknown` may still be confirmed (double opt-in).
 */
export function consentDecision(status: string): 'allowed' | 'pending' | 'refused' {
  if (status === 'confirmed' || status === 'not_required') return 'allowed';
  if (status === 'pending' || status === 'unknown') return 'pending';
  return 'refused';
}
