// A lead that buys becomes a client: a separate record, linked to the lead and its whole history.
import type { ClientDeal } from '../../workflows/types';
import type { LeadActivities } from '../../workflows/activity-contract';
import type { Db } from '../../domain/db';

export function createClientActivities(deps: { db: Db }): Pick<LeadActivities, 'createClient'> {
  const { db } = deps;
  return {
    /** Idempotent per lead (Client.leadId is unique). */
    async createClient(leadId: string, deal: ClientDeal) {
      const lead = await db.lead.findUniqueOrThrow({ where: { id: leadId } });
      const client = await db.client.upsert({
        where: { leadId },
        update: {},
        create: {
          leadId,
          email: lead.email,
          companyName: lead.company,
          contactName: [lead.firstName, lead.lastName].filter(Boolean).join(' ') || null,
          phone: lead.phone,
          country: lead.country,
          managerId: deal.managerId ?? lead.ownerId,
          dealValue: deal.dealValue,
          grossMargin: deal.grossMargin,
          currency: deal.currency,
          wonAt: new Date(),
        },
      });
      await db.lead.update({ where: { id: leadId }, data: { stage: 'client' } });
      return { clientId: client.id };
    },
  };
}

/** The client with the lead it came from and that lead's full event history. */
export function clientWithHistory(db: Db, clientId: string) {
  return db.client.findUniqueOrThrow({ where: { id: clientId }, include: { lead: { include: { events: { orderBy: { occurredAt: 'asc' } } } }, manager: true } });
}
