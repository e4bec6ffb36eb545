// The one duration grammar of the code base: the `ms` package's ('3 days', '2h', '1.5 hours', '90 min'),
// the same parser Temporal reads its timers, timeouts and schedule intervals with. Sequence waits,
// offer intervals and FREQUENCY_CAP's window all go through here. Pure, so workflow code bundles it.
import ms, { type StringValue } from 'ms';

/** A duration as text, in `ms` syntax. */
export type DurationText = StringValue;
/** A duration in `ms` syntax or a number of milliseconds. */
export type Duration = DurationText | number;

/** What every "not a duration" message says a duration looks like. */
export const DURATION_HINT = 'must be a duration like "3 days", "2h" or "90 minutes" (units: ms, s, m, h, d, w, y)';

/**
 * Milliseconds of a duration text, or undefined when it is not one. A unit is required: `ms` reads a
 * bare "3" as 3 milliseconds, which no one writing "wait 3" means. Zero and negative are refused.
 */
export function parseDuration(text: string): number | undefined {
  if (!/[a-z]$/i.test(text.trim())) return undefined;
  let value: number;
  try {
    value = ms(text.trim() as StringValue);
  } catch {
    return undefined;
  }
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * Milliseconds of a duration; throws on text that is not one. Numbers pass as they are (their range is
 * the schemas' to check), so a running lead replays every published value exactly as before.
 */
export function durationMs(d: Duration): number {
  if (typeof d === 'number') return d;
  const value = parseDuration(d);
  if (value === undefined) throw new TypeError(`${JSON.stringify(d)}: ${DURATION_HINT}`);
  return value;
}
