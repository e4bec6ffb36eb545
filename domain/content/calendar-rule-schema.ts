// A wall-clock rule (a sequence's waitUntil step), resolved in the lead's timezone by an activity
// (the workflow has no tz data). The zod schema is the one source of the CalendarRule type: workflow
// code imports the type only (workflows/activity-contract.ts).
import { z } from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');

export const calendarRuleSchema = z.object({
  /** ISO weekdays 1..7; empty or absent = any day. */
  weekdays: z.array(z.number().int().min(1).max(7)).optional(),
  /** "HH:MM" local time. */
  time: hhmm,
  /** Skip at least this many days from `after` before looking (e.g. "next Tuesday", not today). */
  minDaysAhead: z.number().int().min(0).optional(),
  /** Only business days: no weekends, no public holidays of the lead's country (its local dates). */
  businessDays: z.boolean().optional(),
});

export type CalendarRule = z.infer<typeof calendarRuleSchema>;
