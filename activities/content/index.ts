// The content activities the workflows call: reads of the current published versions. Their results
// are recorded in each workflow's history, which is what keeps new content out of replays.
import type { LeadActivities, OfferCampaignActivities } from '../../workflows/activity-contract';
import { chooseSequence, currentOffer, currentRules, sequenceMigration, type ContentStore } from '../../domain/content/catalogue';

export type ContentActivities = Pick<LeadActivities, 'currentScoringRules' | 'chooseSequence' | 'sequenceMigration'> & Pick<OfferCampaignActivities, 'loadOfferCampaign'>;

/** `ensure`: awaited before the first read (e.g. publishing what this process ships). */
export function createContentActivities(store: ContentStore, ensure?: () => Promise<unknown>): ContentActivities {
  let ready: Promise<unknown> | undefined;
  const first = (): Promise<unknown> => (ready ??= (ensure?.() ?? Promise.resolve()).catch((e) => {
    ready = undefined; // tried again on the next read
    throw e;
  }));
  return {
    currentScoringRules: async () => (await first(), currentRules(store)),
    chooseSequence: async (req) => (await first(), chooseSequence(store, req)),
    sequenceMigration: async (id, version, position) => (await first(), sequenceMigration(store, id, version, position)),
    loadOfferCampaign: async (id) => (await first(), currentOffer(store, id)),
  };
}
