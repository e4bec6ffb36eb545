// Marketing content at process start: what ships in the repository is published as new versions
// (content already published is left as it is), so leads and schedules read it from the database.
import { currentOffers } from './catalogue';
import { prismaContentStore } from './prisma-store';
import { publishShipped } from './shipped';
import type { Db } from '../db';
import type { OfferCampaign } from '../../workflows/offers/define';

/** Publishes the shipped content, logs what was new, and returns the offers now current. */
export async function publishShippedContent(db: Db): Promise<OfferCampaign[]> {
  const content = prismaContentStore(db);
  const published = await publishShipped(content);
  const fresh = published.filter((p) => p.status === 'published');
  console.log(`content: ${published.length} shipped versions, ${fresh.length} newly published${fresh.length ? ` (${fresh.map((p) => `${p.kind} ${p.id} v${p.version}`).join(', ')})` : ''}`);
  return currentOffers(content);
}
