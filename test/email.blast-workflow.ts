// Test workflow for test/email.queue.test.ts: a "holiday blast" of sendEmail calls started all at
// once on the email task queue, as many lead workflows would.
import * as wf from '@temporalio/workflow';
import type { LeadActivities } from '../workflows/activity-contract';

export async function emailBlast(count: number): Promise<string[]> {
  const { sendEmail } = wf.proxyActivities<Pick<LeadActivities, 'sendEmail'>>({ taskQueue: `${wf.workflowInfo().taskQueue}-email`, startToCloseTimeout: '1 minute' });
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) => sendEmail({ idempotencyKey: `blast:${i}`, leadId: `l${i}`, template: 'holiday-greeting', kind: 'marketing', variables: { holiday: 'Easter' } })),
  );
  return results.map((r) => r.status);
}
