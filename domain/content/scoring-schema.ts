// The scoring rules (content/scoring-rules.ts) as zod sees them: the one source of the ScoringRules
// type (z.infer; workflow code imports it type only) and of the checks the worker runs at start
// (./definitions.ts).
import { z } from 'zod';
import { LEAD_EVENT_TYPES, type LeadEventType } from '../../workflows/types';
import { eventType, profileKey } from './lead-terms';

const points = z.number().finite();

export const scoringRulesSchema = z
  .object({
    /** Points per behaviour event type (negative allowed, e.g. unsubscribe). */
    events: z.object(Object.fromEntries(LEAD_EVENT_TYPES.map((t) => [t, points])) as Record<LeadEventType, typeof points>).strict(),
    /** page_viewed points by URL path prefix, first match wins (pricing counts more). */
    pages: z.array(z.object({ prefix: z.string().startsWith('/'), points })),
    /** Behaviour points halve every this many days. */
    halfLifeDays: z.number().positive(),
    profile: z.object({
      /** Best matching keyword in the job title wins (case-insensitive). */
      seniority: z.array(z.object({ keyword: z.string().min(1), points })),
      /** Highest `min` not above the company size wins. */
      companySize: z.array(z.object({ min: z.number().int().nonnegative(), points })),
      industries: z.record(z.string().regex(/^[a-z0-9 _-]+$/, 'industry keys are lower-case'), points),
      requiredFields: z.array(profileKey()).min(1),
      desiredFields: z.array(profileKey()),
      pointsPerDesiredField: z.number().nonnegative(),
      missingRequiredPenalty: z.number().nonnegative(),
    }),
    bands: z.object({ warm: z.number(), hot: z.number() }),
    mqlThreshold: z.number(),
    /**
     * After a "no", a deferred lead goes back to sales before its re-qualification date only on strong
     * buying signals: these events (page views by URL prefix), `needed` of them since the "no".
     */
    buyingSignals: z.object({
      signals: z.array(z.object({ event: eventType, urlPrefix: z.string().startsWith('/').optional(), label: z.string().min(1) }).strict()).min(1),
      needed: z.number().int().min(1),
    }),
    /** Events whose decayed value falls below this are folded into one number (bounded state). */
    foldBelowPoints: z.number().positive(),
    maxListedEvents: z.number().int().min(10),
  })
  .refine((r) => r.bands.warm < r.bands.hot, { message: 'bands.warm must be below bands.hot', path: ['bands'] });

export type ScoringRules = z.infer<typeof scoringRulesSchema>;
