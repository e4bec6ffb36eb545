// The lead workflow's own writes: the append-only LeadEvent history and the Lead row's current
// snapshot (stage, temperature, score, owner) that the API, KPIs and ops read. Every step of every
// lead writes here, so it is plain SQL on the shared runner (sql-runner.ts), not the ORM.
import { log } from '@temporalio/activity';
import { randomUUID } from 'crypto';
import type { LeadActivities, LeadEventRecord, LeadSnapshot } from '../workflows/activity-contract';
import type { Db } from './db';
import { sqlRunner, type SqlRunner, type SqlStatement } from './sql-runner';

type LeadStore = Pick<LeadActivities, 'recordLeadEvents' | 'syncLeadSnapshot' | 'persistLead'>;

// Written only while the lead exists and is not erased (an activity still running when GDPR erasure
// terminated the workflow must not write back); a dedupKey already there is skipped, so a retried
// batch writes each event once.
const insertEvent = (payload: string) => `
  INSERT INTO "LeadEvent" ("id", "leadId", "type", "dedupKey", "stageFrom", "stageTo", "reason", "payload", "occurredAt", "recordedAt")
  SELECT ?, l."id", ?, ?, ?, ?, ?, ${payload}, ?, ? FROM "Lead" l WHERE l."id" = ? AND l."erasedAt" IS NULL
  ON CONFLICT ("dedupKey") DO NOTHING`;
const INSERT_EVENT = { sqlite: insertEvent('?'), postgres: insertEvent('CAST(? AS jsonb)') };
const UPDATE_SNAPSHOT = `UPDATE "Lead" SET "stage" = ?, "temperature" = ?, "score" = ?, "ownerId" = ?, "updatedAt" = ? WHERE "id" = ? AND "erasedAt" IS NULL`;
const LEAD_ALIVE = `SELECT "id" FROM "Lead" WHERE "id" = ? AND "erasedAt" IS NULL`;

/** `sql`: the process's shared runner; without one, Prisma's raw queries on `db`. */
export function createLeadStoreActivities(deps: { db: Db; sql?: SqlRunner }): LeadStore {
  const sql = deps.sql ?? sqlRunner(deps.db);
  const eventRow = (leadId: string, e: LeadEventRecord, now: Date): SqlStatement => ({
    sql: INSERT_EVENT[sql.dialect],
    params: [randomUUID(), e.type, e.dedupKey, e.stageFrom ?? null, e.stageTo ?? null, e.reason ?? null, e.payload === undefined ? null : JSON.stringify(e.payload), new Date(e.occurredAt), now, leadId],
  });
  const snapshotRow = (leadId: string, s: LeadSnapshot, now: Date): SqlStatement => ({ sql: UPDATE_SNAPSHOT, params: [s.stage, s.temperature, s.score, s.ownerId, now, leadId] });

  const persistLead: LeadStore['persistLead'] = async (leadId, events, snapshot) => {
    if (!events.length && !snapshot) return;
    if (events.length && !(await sql.all(LEAD_ALIVE, [leadId])).length) {
      // Erased, or never stored: there is no one to write history for.
      log.warn('persistLead: no lead row, events dropped', { leadId, count: events.length });
      return;
    }
    const now = new Date();
    // One unit: history and snapshot are written whole or not at all.
    await sql.runAll([...events.map((e) => eventRow(leadId, e, now)), ...(snapshot ? [snapshotRow(leadId, snapshot, now)] : [])]);
  };

  return {
    persistLead,
    // The two halves, as separate activities: histories recorded before persistLead call these.
    recordLeadEvents: (leadId, events) => persistLead(leadId, events, null),
    syncLeadSnapshot: (leadId, snapshot) => persistLead(leadId, [], snapshot),
  };
}
