// Who an offer campaign run reaches: leads in the deferred-demand base (stage kept on the Lead row
// by the lead workflow), not erased or unsubscribed, matching the campaign's audience. Paged by id,
// so a run over a large base reads it in bounded pieces and a continue-as-new resumes at the cursor.
import { ApplicationFailure } from '@temporalio/common';
import type { OfferCampaignActivities } from '../../workflows/activity-contract';
import type { Db } from '../../domain/db';
import { currentSegment, type ContentStore } from '../../domain/content/catalogue';
import { segmentFilter } from '../../domain/segments/query';

export function createOfferAudienceActivities(deps: { db: Db; content?: ContentStore }): Pick<OfferCampaignActivities, 'listOfferAudience'> {
  const { db } = deps;
  return {
    async listOfferAudience(audience, after, limit) {
      const segment = audience.segment ? await (deps.content ? currentSegment(deps.content, audience.segment) : null) : null;
      // A campaign naming a segment nobody published reaches no one by mistake: a failure for good, visible to ops.
      if (audience.segment && !segment) throw ApplicationFailure.nonRetryable(`offer audience: segment "${audience.segment}" is not published`, 'UnknownSegment');
      const rows = await db.lead.findMany({
        where: {
          ...(segment ? { AND: [segmentFilter(segment, new Date())] } : {}),
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
