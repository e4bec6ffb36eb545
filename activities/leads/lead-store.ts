// The lead workflow's own writes: the append-only LeadEvent history and the Lead row's current
// snapshot (stage, temperature, score, owner, sequence position) that the API, KPIs and ops read. Every step of every
// lead writes here, so it is SQL through pg (sql.ts), not the ORM: one statement per batch.
import { log } from '@temporalio/activity';
import { randomUUID } from 'crypto';
import type { LeadActivities, LeadSnapshot } from '../../workflows/activity-contract';
import type { Db } from '../../domain/db';
import { sqlOf } from '../../domain/sql';
import { toStorableValue } from '../../domain/storable-text';

type LeadStore = Pick<LeadActivities, 'recordLeadEvents' | 'syncLeadSnapshot' | 'persistLead'>;

// History and snapshot in one statement, so one unit: all of it or none. Written only while the
// lead exists and is not erased (an activity still running when GDPR erasure terminated the
// workflow, or a workflow Temporal could not stop yet, must not write back); a dedupKey already
// there is skipped, so a retried batch writes each event once. The events come as one array per column.
// `alive` locks the row: a batch that meets an erasure in progress waits for it, and PostgreSQL then
// re-reads the row and finds it erased (without the lock the batch's earlier read let its events and
// snapshot land after the scrub: test/db.test.ts, "racing an erasure").
const PERSIST = `
  WITH alive AS (
    SELECT "id" FROM "Lead" WHERE "id" = $1 AND "erasedAt" IS NULL FOR NO KEY UPDATE
  ), events AS (
    INSERT INTO "LeadEvent" ("id", "leadId", "type", "dedupKey", "stageFrom", "stageTo", "reason", "payload", "occurredAt", "recordedAt")
    SELECT e."id", a."id", e."type", e."dedupKey", e."stageFrom", e."stageTo", e."reason", e."payload", e."occurredAt", $10::timestamp(3)
    FROM alive a, unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::timestamp(3)[])
      AS e("id", "type", "dedupKey", "stageFrom", "stageTo", "reason", "payload", "occurredAt")
    ON CONFLICT ("dedupKey") DO NOTHING
  ), snapshot AS (
    UPDATE "Lead" SET "stage" = $11, "temperature" = $12, "score" = $13, "ownerId" = $14, "updatedAt" = $10::timestamp(3),
      "sequenceStepAt" = CASE WHEN NOT $16 THEN "sequenceStepAt"
                              WHEN $17::text IS NULL THEN NULL
                              WHEN ("sequenceId", "sequenceVersion", "sequenceStep") IS NOT DISTINCT FROM ($17::text, $18::int, $19::text) THEN "sequenceStepAt"
                              ELSE $10::timestamp(3) END,
      "sequenceId" = CASE WHEN $16 THEN $17::text ELSE "sequenceId" END,
      "sequenceVersion" = CASE WHEN $16 THEN $18::int ELSE "sequenceVersion" END,
      "sequenceStep" = CASE WHEN $16 THEN $19::text ELSE "sequenceStep" END
    WHERE $15 AND "id" = (SELECT "id" FROM alive) AND "erasedAt" IS NULL
  )
  SELECT count(*) AS "alive" FROM alive`;

export function createLeadStoreActivities(deps: { db: Db }): LeadStore {
  const sql = sqlOf(deps.db);

  const persistLead: LeadStore['persistLead'] = async (leadId, given, snapshot) => {
    if (!given.length && !snapshot) return;
    // The API refuses text the database cannot hold, but a signal sent straight to the workflow (an
    // operator in the Temporal UI) is not checked there: one NUL in an event would fail this batch and
    // every later one (the workflow keeps an unwritten batch for the next). Such text is kept without it.
    const events = toStorableValue(given);
    const s: LeadSnapshot | null = snapshot;
    const [{ alive }] = await sql.rows<{ alive: number }>(PERSIST, [
      leadId,
      events.map(() => randomUUID()),
      events.map((e) => e.type),
      events.map((e) => e.dedupKey),
      events.map((e) => e.stageFrom ?? null),
      events.map((e) => e.stageTo ?? null),
      events.map((e) => e.reason ?? null),
      events.map((e) => (e.payload === undefined ? null : JSON.stringify(e.payload))),
      events.map((e) => new Date(e.occurredAt)),
      new Date(),
      s?.stage ?? null,
      s?.temperature ?? null,
      s?.score ?? null,
      s?.ownerId ?? null,
      s !== null,
      // The position only when the snapshot carries it (older workflow code sends none).
      s?.position !== undefined,
      s?.position?.sequence ?? null,
      s?.position?.version ?? null,
      s?.position?.step ?? null,
    ]);
    // Erased, or never stored: there is no one to write history for.
    if (!alive && events.length) log.warn('persistLead: no lead row, events dropped', { leadId, count: events.length });
  };

  return {
    persistLead,
    // The two halves, as separate activities: histories recorded before persistLead call these.
    recordLeadEvents: (leadId, events) => persistLead(leadId, events, null),
    syncLeadSnapshot: (leadId, snapshot) => persistLead(leadId, [], snapshot),
  };
}
