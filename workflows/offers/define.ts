// Offer campaigns for the deferred-demand base, written as code: one file per campaign in this folder,
// registered in ./index.ts. worker/schedules.ts turns each into a Temporal Schedule (validated with
// zod there) whose runs start the offerCampaign workflow (workflows/offers/campaign.ts).
import type { OfferCampaign } from '../../domain/content/offer-schema';

// The type is the zod schema's (domain/content/offer-schema.ts), imported as a type only.
export type { OfferCampaign };

export function defineOfferCampaign(c: Omit<OfferCampaign, 'concurrency' | 'pageSize' | 'validDays'> & Partial<Pick<OfferCampaign, 'concurrency' | 'pageSize' | 'validDays'>>): OfferCampaign {
  return { concurrency: 20, pageSize: 200, validDays: 14, ...c };
}
