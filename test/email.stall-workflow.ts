// Test workflow for test/email.lease.test.ts: one sendEmail with a short start-to-close timeout and
// quick retries, so an attempt stalled in SMTP times out while it is still running.
import * as wf from '@temporalio/workflow';
import type { LeadActivities, SendEmailRequest, SendEmailResult } from '../workflows/activity-contract';

export async function sendWithShortTimeout(req: SendEmailRequest, timeoutMs: number): Promise<SendEmailResult> {
  const { sendEmail } = wf.proxyActivities<Pick<LeadActivities, 'sendEmail'>>({
    startToCloseTimeout: timeoutMs,
    retry: { initialInterval: '300 milliseconds', backoffCoefficient: 1.5, maximumInterval: '1 second' },
  });
  return sendEmail(req);
}
