// What a GDPR erasure could not remove at once (the lead's Temporal histories, when the server
// refused or was away) is retried here until it is gone: one small workflow per erased lead
// (`erase-<leadId>`), whose input holds ids only. The lead row says `temporal_history` is pending
// until the activity confirms the histories are gone.
import * as wf from '@temporalio/workflow';
import type { EraseHistoryRequest, ErasureActivities } from './activity-contract';

// Unlimited attempts: an erasure is never given up; backoff keeps a long outage cheap.
const { deleteLeadHistory } = wf.proxyActivities<ErasureActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 hour' },
});

export async function eraseLeadHistory(req: EraseHistoryRequest): Promise<void> {
  await deleteLeadHistory(req);
}

const { sweepPendingErasures } = wf.proxyActivities<ErasureActivities>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 3 } });

/**
 * Run by the `erasure-sweep` schedule (worker/schedules.ts): erasures left pending while Temporal
 * was away get their eraseLeadHistory workflow. Ids only, in and out.
 */
export async function sweepErasures(): Promise<{ pending: number; running: number }> {
  return sweepPendingErasures();
}
