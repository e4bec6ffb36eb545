// The zod face of the one duration grammar (workflows/duration.ts): what content schemas check
// durations with, so a bad one is refused with the same message everywhere.
import { z } from 'zod';
import { DURATION_HINT, parseDuration, type Duration, type DurationText } from '../workflows/duration';

const isText = (v: unknown): boolean => typeof v === 'string' && parseDuration(v) !== undefined;

// A string check first: inside a union (segment conditions) zod then reports this message, not "Invalid input".
export const durationText = z.string().refine(isText, { message: DURATION_HINT }).transform((v) => v as DurationText);
/** A duration text, or a whole number of milliseconds. One check, not a union: one message when wrong. */
export const duration = z.custom<Duration>((v) => (typeof v === 'number' ? Number.isInteger(v) && v > 0 : isText(v)), { message: DURATION_HINT });
