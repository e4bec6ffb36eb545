// Who an offer campaign run reaches: leads in the deferred-demand base (stage kept on the Lead row
// by the lead workflow), not erased or unsubscribed, matching the campaign's audience. Paged by id,
// so a run over a large base reads it in bounded pieces and a continue-as-new resumes at the cursor.
import type { OfferCampaignActivities } from '../../workflows/activity-contract';
import type { Db } from '../../domain/db';

export function createOfferAudienceActivities(deps: { db: Db }): Pick<OfferCampaignActivities, 'listOfferAudience'> {
  const { db } = deps;
  return {
    async listOfferAudience(audience, after, limit) {
      const rows = await db.lead.findMany({
        where: {
          stage: 'deferred',
          erasedAt: null,
          unsubscribedAt: null,
          ...(audience.countries?.length ? { country: { in: audience.countries.map((c) => c.toUpperCase()) } } : {}),
          ...(audience.locales?.length ? { locale: { in: audience.locales } } : {}),
          ...(after ? { id: { gt: after } } : {}),
        },
        orderBy: { id: 'asc' },
        take: limit,
        select: { id: true },
      });
      return { leadIds: rows.map((r) => r.id), next: rows.length === limit ? rows[rows.length - 1].id : null };
    },
  };
}
