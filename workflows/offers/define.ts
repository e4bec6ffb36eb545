// Offer campaigns for the deferred-demand base, written as code: one file per campaign in this folder,
// registered in ./index.ts. worker/schedules.ts turns each into a Temporal Schedule (validated with
// zod there) whose runs start the offerCampaign workflow (workflows/offers/campaign.ts).
import type { OfferAudience } from '../activity-contract';
import type { DurationText } from '../duration';

export interface OfferCampaign {
  /** Stable id: names the schedule (`offer-<id>`) and, with the run, every mail's ledger key. */
  id: string;
  name: string;
  /** When it runs: cron expressions (UTC) and/or fixed intervals such as "30 days". */
  schedule: { cron?: string[]; every?: DurationText[] };
  /** Which deferred leads it reaches (all of them when empty). */
  audience: OfferAudience;
  /** What the `offer` mail says, per locale (`en` required, the fallback), and where its button leads. */
  offer: { path: string; content: Record<string, { title: string; text: string }> };
  /** Days an offer may wait for a lead's quiet hours or frequency cap before it is dropped. */
  validDays: number;
  /** Lead workflows signalled at once: bounded fan-out. */
  concurrency: number;
  /** Leads read from the database per page. */
  pageSize: number;
}

export function defineOfferCampaign(c: Omit<OfferCampaign, 'concurrency' | 'pageSize' | 'validDays'> & Partial<Pick<OfferCampaign, 'concurrency' | 'pageSize' | 'validDays'>>): OfferCampaign {
  return { concurrency: 20, pageSize: 200, validDays: 14, ...c };
}
