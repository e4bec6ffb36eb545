// The erasure workflows' activities (workflows/erasure.ts): deleteLeadHistory deletes a lead's
// Temporal histories with the worker's client, fails retryably while any run is left, and marks the
// part done; sweepPendingErasures starts that workflow for erasures left pending.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { Db } from '../domain/db';
import { deleteWorkflowHistories, erasureDone, HISTORY_PENDING, sweepPendingErasures } from '../domain/erasure';
import type { EraseHistoryRequest, ErasureActivities } from '../workflows/activity-contract';

export function createErasureActivities(deps: { db: Db; temporal?: () => Client }): ErasureActivities {
  return {
    async deleteLeadHistory(req: EraseHistoryRequest): Promise<void> {
      const temporal = deps.temporal?.() ?? Context.current().client;
      if (!(await deleteWorkflowHistories(temporal, req.workflowId, 10_000))) throw ApplicationFailure.retryable(`the histories of ${req.workflowId} are still there`, 'HistoryNotDeleted');
      await erasureDone(deps.db, req.leadId, HISTORY_PENDING);
    },
    async sweepPendingErasures() {
      // The erase workflows run on the queue this activity runs on (the lead workflows' queue).
      const ctx = Context.current();
      return sweepPendingErasures({ db: deps.db, temporal: deps.temporal?.() ?? ctx.client, taskQueue: ctx.info.taskQueue });
    },
  };
}
