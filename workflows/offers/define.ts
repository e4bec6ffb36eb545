// Offer campaigns for the deferred-demand base, written as code: one file per campaign in this folder,
// registered in ./index.ts. worker/schedules.ts turns each into a Temporal Schedule (validated with
// zod there) whose runs start the offerCampaign workflow (workflows/offers/campaign.ts).
import type { OfferCampaign } from '../../domain/content/offer-schema';

// The type is the zod schema's (domain/content/offer-schema.ts), imported as a type only.
export type { OfferCampaign };

type Defaulted = 'audience' | 'concurrency' | 'pageSize' | 'validDays';

export function defineOfferCampaign(c: Omit<OfferCampaign, Defaulted> & Partial<Pick<OfferCampaign, Defaulted>>): OfferCampaign {
  return { audience: {}, concurrency: 20, pageSize: 200, validDays: 14, ...c };
}

/**
 * What an offer file writes: only what differs from the defaults (every deferred lead, the default
 * fan-out and validity), with its mail's button path and words per locale at the top level.
 */
export function defineOffer({ path, content, ...c }: Omit<OfferCampaign, Defaulted | 'offer'> & Partial<Pick<OfferCampaign, Defaulted>> & OfferCampaign['offer']): OfferCampaign {
  return defineOfferCampaign({ ...c, offer: { path, content } });
}
