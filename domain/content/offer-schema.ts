// An offer campaign (content/offers/) as zod sees it: the one source of its type (OfferCampaign is
// z.infer of this schema; workflow code imports the type only) and of the checks the worker runs
// before it makes the campaign's schedule (worker/schedules.ts).
import { z } from 'zod';
import { durationText } from '../duration';
import { TEMPLATES } from '../mail/templates';

const offerVariables = TEMPLATES.offer.variables.shape;

export const offerCampaignSchema = z.object({
  /** Stable id: names the schedule (`offer-<id>`) and, with the run, every mail's ledger key. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,60}$/, 'lower-case letters, digits and dashes'),
  name: z.string().min(1).max(200),
  /** When it runs: cron expressions (UTC) and/or fixed intervals such as "30 days". */
  schedule: z
    .object({ cron: z.array(z.string().min(9)).optional(), every: z.array(durationText).optional() })
    .refine((s) => (s.cron?.length ?? 0) + (s.every?.length ?? 0) > 0, { message: 'needs a cron expression or an interval' }),
  /** Which deferred leads it reaches (all of them when empty). */
  audience: z.object({
    countries: z.array(z.string().length(2)).optional(),
    locales: z.array(z.string().min(2).max(10)).optional(),
    /** A published segment (content/segments): its newest version, evaluated in the database. */
    segment: z.string().min(1).optional(),
  }),
  /** What the `offer` mail says, per locale (`en` required, the fallback), and where its button leads. */
  offer: z.object({
    path: offerVariables.offerPath,
    content: z
      .record(z.string(), z.object({ title: offerVariables.offerTitle, text: offerVariables.offerText }))
      .refine((c) => 'en' in c, { message: 'needs an `en` text (the fallback)' }),
  }),
  /** Days an offer may wait for a lead's quiet hours or frequency cap before it is dropped. */
  validDays: z.number().int().min(1).max(90),
  /** Lead workflows signalled at once: bounded fan-out. */
  concurrency: z.number().int().min(1).max(200),
  /** Leads read from the database per page. */
  pageSize: z.number().int().min(1).max(1000),
});

export type OfferCampaign = z.infer<typeof offerCampaignSchema>;
export type OfferAudience = OfferCampaign['audience'];
