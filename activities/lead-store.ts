// The lead workflow's own writes: the append-only LeadEvent history and the Lead row's current
// snapshot (stage, temperature, score, owner) that the API, KPIs and ops read.
import { log } from '@temporalio/activity';
import type { LeadActivities, LeadEventRecord, LeadSnapshot } from '../workflows/activity-contract';
import type { Db } from './db';

export function createLeadStoreActivities(deps: { db: Db }): Pick<LeadActivities, 'recordLeadEvents' | 'syncLeadSnapshot'> {
  const { db } = deps;
  return {
    /** Idempotent: rows are keyed by dedupKey, so a retried batch writes each event once. */
    async recordLeadEvents(leadId: string, events: LeadEventRecord[]): Promise<void> {
      if (!events.length) return;
      const lead = await db.lead.findFirst({ where: { id: leadId, erasedAt: null }, select: { id: true } });
      if (!lead) {
        // Erased (GDPR; an activity still running when the workflow was terminated) or never
        // stored: there is no one to write history for.
        log.warn('recordLeadEvents: no lead row, events dropped', { leadId, count: events.length });
        return;
      }
      const keys = events.map((e) => e.dedupKey);
      const existing = new Set(
        (await db.leadEvent.findMany({ where: { dedupKey: { in: keys } }, select: { dedupKey: true } })).map((r) => r.dedupKey),
      );
      const fresh = events.filter((e) => !existing.has(e.dedupKey));
      if (!fresh.length) return;
      // One transaction: a batch is written whole or not at all.
      await db.$transaction(
        fresh.map((e) =>
          db.leadEvent.create({
            data: {
              leadId,
              type: e.type,
              dedupKey: e.dedupKey,
              stageFrom: e.stageFrom ?? null,
              stageTo: e.stageTo ?? null,
              reason: e.reason ?? null,
              payload: (e.payload ?? undefined) as never,
              occurredAt: new Date(e.occurredAt),
            },
          }),
        ),
      );
    },

    async syncLeadSnapshot(leadId: string, snapshot: LeadSnapshot): Promise<void> {
      await db.lead.updateMany({
        where: { id: leadId, erasedAt: null },
        data: { stage: snapshot.stage, temperature: snapshot.temperature, score: snapshot.score, ownerId: snapshot.ownerId },
      });
    },
  };
}
