// Removing a lead's Temporal histories (its workflow's input, signals and queries held its data):
// every run of `lead-<id>` is deleted, and the deletion counts only once the server no longer
// knows the workflow. Used by the erase request itself (domain/gdpr.ts) and, for what that could
// not finish, by the eraseLeadHistory workflow's activity (retried until it is done). An erasure
// whose workflow could not even be started (Temporal away) stays pending on the lead row, and the
// sweep (sweepPendingErasures: at worker start and on the `erasure-sweep` schedule) starts it.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from './db';
import type { EraseHistoryRequest } from '../workflows/activity-contract';

export const HISTORY_PENDING = 'temporal_history';

const notFound = (e: unknown): boolean => e instanceof WorkflowNotFoundError || /not ?found/i.test(String((e as Error)?.message)) || (e as { code?: number })?.code === 5;

/** True when the workflow id is unknown to the server (every run deleted). */
async function gone(temporal: Client, workflowId: string): Promise<boolean> {
  try {
    await temporal.workflow.getHandle(workflowId).describe();
    return false;
  } catch (e) {
    if (notFound(e)) return true;
    throw e;
  }
}

/**
 * Deletes every run of `workflowId` (continue-as-new makes several) and waits up to `waitMs` for the
 * server to have removed them. True when none is left; false when one still is, or the server could
 * not be asked (then the caller must retry, never report done). A running workflow is terminated and
 * deleted at once; the server removes closed runs later (about 20 s on the dev server).
 */
export async function deleteWorkflowHistories(temporal: Client, workflowId: string, waitMs = 3_000): Promise<boolean> {
  try {
    const runs = new Set<string>(['']);
    try {
      for await (const w of temporal.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.add(w.runId);
    } catch {
      // No visibility (the time-skipping test server): the latest run, then whatever describe still finds.
    }
    for (const runId of runs) {
      try {
        await temporal.workflowService.deleteWorkflowExecution({ namespace: temporal.options.namespace, workflowExecution: { workflowId, ...(runId ? { runId } : {}) } });
      } catch (e) {
        if (!notFound(e)) throw e;
      }
    }
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (await gone(temporal, workflowId)) return true;
      if (Date.now() >= deadline) return false;
      // An older run may surface once the newest is gone: delete again.
      await temporal.workflowService.deleteWorkflowExecution({ namespace: temporal.options.namespace, workflowExecution: { workflowId } }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch {
    return false;
  }
}

/** Marks one pending part of an erasure as done, with an event for the lead's history. */
export async function erasureDone(db: Db, leadId: string, part: string): Promise<void> {
  await db.$transaction([
    db.$executeRaw`UPDATE "Lead" SET "erasurePending" = array_remove("erasurePending", ${part}) WHERE "id" = ${leadId}`,
    db.leadEvent.upsert({ where: { dedupKey: `${leadId}:erasure_done:${part}` }, create: { leadId, type: 'erasure_completed', dedupKey: `${leadId}:erasure_done:${part}`, reason: part, occurredAt: new Date() }, update: {} }),
  ]);
}

/** The one id of a lead's history-erase workflow: starting it twice is harmless. */
export const eraseWorkflowId = (leadId: string): string => `erase-${leadId}`;

/** Starts (once per lead) the workflow that retries the history deletion; false when Temporal refused. */
export async function startHistoryErasure(temporal: Client, taskQueue: string, req: EraseHistoryRequest): Promise<boolean> {
  try {
    await temporal.workflow.start('eraseLeadHistory', { workflowId: eraseWorkflowId(req.leadId), taskQueue, args: [req], workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' });
    return true;
  } catch (e) {
    // Already running for this lead: it will finish the job.
    return /already started|already running|WorkflowExecutionAlreadyStarted/i.test(String((e as Error).message)) || (e as Error).name === 'WorkflowExecutionAlreadyStartedError';
  }
}

/**
 * Starts the history-erase workflow of every lead whose erasure still has `temporal_history`
 * pending (the erase request could not start it, or its workflow failed). Returns how many leads
 * were pending and for how many a workflow now runs; the rest are picked up by the next sweep.
 */
export async function sweepPendingErasures(deps: { db: Db; temporal: Client; taskQueue: string }): Promise<{ pending: number; running: number }> {
  const leads = await deps.db.lead.findMany({ where: { erasurePending: { has: HISTORY_PENDING } }, select: { id: true, workflowId: true } });
  let running = 0;
  for (const l of leads) if (await startHistoryErasure(deps.temporal, deps.taskQueue, { leadId: l.id, workflowId: l.workflowId })) running++;
  return { pending: leads.length, running };
}
