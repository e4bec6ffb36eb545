// The lead workflow's own writes: the append-only LeadEvent history and the Lead row's current
// snapshot (stage, temperature, score, owner) that the API, KPIs and ops read.
import { log } from '@temporalio/activity';
import type { LeadActivities, LeadEventRecord, LeadSnapshot } from '../workflows/activity-contract';
import type { Db } from './db';

type LeadStore = Pick<LeadActivities, 'recordLeadEvents' | 'syncLeadSnapshot' | 'persistLead'>;

export function createLeadStoreActivities(deps: { db: Db }): LeadStore {
  const { db } = deps;
  const snapshotWrite = (leadId: string, snapshot: LeadSnapshot) =>
    db.lead.updateMany({
      where: { id: leadId, erasedAt: null },
      data: { stage: snapshot.stage, temperature: snapshot.temperature, score: snapshot.score, ownerId: snapshot.ownerId },
    });

  /** Idempotent: rows are keyed by dedupKey, so a retried batch writes each event once. */
  const persistLead: LeadStore['persistLead'] = async (leadId, events, snapshot) => {
    if (!events.length && !snapshot) return;
    if (events.length) {
      const lead = await db.lead.findFirst({ where: { id: leadId, erasedAt: null }, select: { id: true } });
      if (!lead) {
        // Erased (GDPR; an activity still running when the workflow was terminated) or never
        // stored: there is no one to write history for (the snapshot write below finds no row either).
        log.warn('persistLead: no lead row, events dropped', { leadId, count: events.length });
        return;
      }
    }
    const keys = events.map((e) => e.dedupKey);
    const existing = new Set(
      keys.length ? (await db.leadEvent.findMany({ where: { dedupKey: { in: keys } }, select: { dedupKey: true } })).map((r) => r.dedupKey) : [],
    );
    const fresh = events.filter((e) => !existing.has(e.dedupKey));
    const writes = fresh.map((e) =>
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
    );
    // One transaction: history and snapshot are written whole or not at all.
    if (snapshot) await db.$transaction([...writes, snapshotWrite(leadId, snapshot)]);
    else if (writes.length) await db.$transaction(writes);
  };

  return {
    persistLead,
    // The two halves, as separate activities: histories recorded before persistLead call these.
    recordLeadEvents: (leadId: string, events: LeadEventRecord[]) => persistLead(leadId, events, null),
    async syncLeadSnapshot(leadId: string, snapshot: LeadSnapshot): Promise<void> {
      await snapshotWrite(leadId, snapshot);
    },
  };
}
