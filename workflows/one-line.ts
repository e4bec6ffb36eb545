// One line of text from values that may hold anything: control characters out, clipped to a limit.
// Shared by intake, which refuses control characters (domain/intake/lead-input.ts), and the workflow, which
// clips what it builds from several values (workflows/lead-card.ts). Pure, no dependencies.

/**
 * Control characters (C0 incl. tab and line breaks, DEL, C1) and the Unicode line and paragraph
 * separators: none belongs in a one-line field; in a mail subject or a card they would break the
 * header (injection) or the layout.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROL_RUNS = new RegExp(`${CONTROL_CHARACTERS.source}+`, 'g');

/** Room kept at the end of a list for "+N more". */
const MORE_RESERVE = 16;

/** One line (control characters become a space), at most `max` UTF-16 units; "…" marks a cut. */
export function oneLine(value: string, max: number): string {
  const s = value.replace(CONTROL_RUNS, ' ').replace(/ {2,}/g, ' ').trim();
  if (s.length <= max) return s;
  let end = max - 1;
  // Never split a surrogate pair (an emoji) in two.
  if (/[\uD800-\uDBFF]/.test(s[end - 1] ?? '')) end -= 1;
  return `${s.slice(0, end).trimEnd()}…`;
}

/** Items (each clipped to `itemMax`) joined by `sep` within `max`; what does not fit is counted. */
export function joinClipped(items: readonly string[], sep: string, max: number, itemMax = max): string {
  const each = Math.min(itemMax, max - MORE_RESERVE);
  let out = '';
  for (let i = 0; i < items.length; i++) {
    const next = `${out}${out ? sep : ''}${oneLine(items[i], each)}`;
    const last = i === items.length - 1;
    if (next.length > (last ? max : max - MORE_RESERVE)) return `${out}${out ? sep : ''}+${items.length - i} more`;
    out = next;
  }
  return out;
}
