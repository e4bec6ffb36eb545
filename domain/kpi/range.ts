// The date range of a report (KPIs, sequence statistics): `from` and `to` as query fields or CLI
// flags, validated by zod, resolved to a half-open range of instants.
import { z } from 'zod';

const DAY_MS = 86_400_000;
/** Longest range a report may cover: ten years. */
const MAX_RANGE_DAYS = 3660;

const dateOrDateTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be a date (YYYY-MM-DD) or an ISO date-time' });

/** The range's fields, for schemas that add their own (e.g. the sequence statistics). */
export const kpiRangeFields = { from: dateOrDateTime.optional(), to: dateOrDateTime.optional() };

/**
 * `from` and `to` as dates (YYYY-MM-DD, UTC) or ISO date-times. A date-only `to` includes that whole
 * day. Defaults: `to` today, `from` 90 days before `to`.
 */
export function resolveRange({ from, to }: { from?: string; to?: string }): { from: Date; to: Date } {
  const end = to ? (to.length === 10 ? new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS) : new Date(to)) : new Date(Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`) + DAY_MS);
  const start = from ? new Date(from.length === 10 ? `${from}T00:00:00Z` : from) : new Date(end.getTime() - 90 * DAY_MS);
  return { from: start, to: end };
}

/** `to` after `from`, and at most MAX_RANGE_DAYS apart. */
export function checkRange({ from, to }: { from: Date; to: Date }, ctx: z.RefinementCtx): void {
  if (to.getTime() <= from.getTime()) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
  else if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) ctx.addIssue({ code: 'custom', path: ['from'], message: `must be at most ${MAX_RANGE_DAYS} days before to` });
}

export const kpiRangeSchema = z.object(kpiRangeFields).strict().transform(resolveRange).superRefine(checkRange);
export type KpiRangeInput = z.input<typeof kpiRangeSchema>;
/** Half-open: `from` <= t < `to`. */
export type KpiRange = z.output<typeof kpiRangeSchema>;
