// What content may name of a lead (sequences, scoring rules): its event types, stages, temperatures
// and profile fields, as zod schemas over the workflow's own lists, so every content schema refuses
// an unknown one with the same message.
import { z } from 'zod';
import { LEAD_EVENT_TYPES, STAGES, TEMPERATURES, type LeadProfile } from '../../workflows/types';

export const eventType = z.enum(LEAD_EVENT_TYPES, { message: `unknown event (known: ${LEAD_EVENT_TYPES.join(', ')})` });
export const stage = z.enum(STAGES);
export const temperature = z.enum(TEMPERATURES);

/**
 * A profile field's name. Typed as the profile's keys, so content written in TypeScript cannot
 * misspell one; checked as text only, as it always was (published definitions keep passing).
 */
export const profileKey = <K extends keyof LeadProfile = keyof LeadProfile>(): z.ZodType<K> =>
  z.custom<K>((v) => typeof v === 'string', { message: 'Invalid input: expected string (a lead profile field)' });
