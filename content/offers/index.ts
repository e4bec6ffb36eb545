// Every offer campaign that ships: one file per campaign, registered here.
import type { OfferCampaign } from '../../workflows/offers/define';
import { newFeatures } from './new-features';
import { springStarter } from './spring-starter';

export type { OfferCampaign } from '../../workflows/offers/define';
export const offerCampaigns: OfferCampaign[] = [springStarter, newFeatures];

export const findOfferCampaign = (id: string, campaigns: readonly OfferCampaign[] = offerCampaigns): OfferCampaign | undefined => campaigns.find((c) => c.id === id);
