// GDPR: a lead's data as one JSON document (access / portability) and its erasure. Erasure
// anonymises rather than deletes the lead row, so funnel and spend KPIs keep counting the lead
// without knowing who it was; everything that says who it was is removed: the row's fields, event
// payloads and keys, survey answers, mail addresses and subjects, task details, the lead's open
// assignments (the manager's capacity comes back), its mails in the development sink, and its
// Temporal histories. The address survives only as a keyed hash in Suppression, so it is never
// mailed or taken in again. What could not be removed yet is said (`pending`, also on the row) and
// retried by the eraseLeadHistory workflow until it is gone, never reported as done.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Prisma, type Db } from './db';
import { deleteWorkflowHistories, erasureDone, HISTORY_PENDING, startHistoryErasure } from './erasure';
import { addressHash, suppressionOf, suppressRow } from './mail/email-hash';

export async function exportLead(db: Db, leadId: string) {
  const lead = await db.lead.findUnique({
    where: { id: leadId },
    include: {
      events: { orderBy: { occurredAt: 'asc' } },
      emails: { orderBy: { createdAt: 'asc' } },
      surveyResponses: { orderBy: { submittedAt: 'asc' } },
      assignments: { orderBy: { assignedAt: 'asc' }, include: { manager: { select: { id: true, name: true, email: true } } } },
      client: true,
      campaign: { select: { id: true, name: true, channel: true } },
    },
  });
  if (!lead) return null;
  const { events, emails, surveyResponses, assignments, client, campaign, ...row } = lead;
  const suppression = await suppressionOf(db, lead.email);
  return { exportedAt: new Date().toISOString(), lead: row, campaign, events, emails, surveyResponses, assignments, client, suppression };
}
export type LeadExport = NonNullable<Awaited<ReturnType<typeof exportLead>>>;

export interface EraseResult {
  leadId: string;
  /** false when the lead had been erased before (erasure is idempotent). */
  erased: boolean;
  workflow: 'terminated' | 'not_running' | 'error';
  /** Parts not removed yet (`temporal_history`), retried until they are gone; empty when nothing is left. */
  pending: string[];
  /** Open offers of the lead closed as `released` (their managers' capacity freed). */
  assignmentsReleased: number;
  /** The lead's mails removed from the development mail sink. */
  sinkMailsRemoved: number;
}

/** The development mail sink, where the lead's mails are removed too (npm start). */
export interface MailSinkEraser {
  removeByMessageId(messageIds: string[]): number;
}

export interface EraseDeps {
  db: Db;
  temporal: Client;
  /** The lead workflows' task queue: the eraseLeadHistory workflow runs there. */
  taskQueue: string;
  sink?: MailSinkEraser;
}

const isNotFound = (e: unknown): boolean => e instanceof WorkflowNotFoundError || /not found/i.test(String((e as Error)?.message));

/**
 * Stops the lead's workflow first, so it writes nothing after the scrub, then removes its histories
 * from Temporal (they hold what the workflow was told), then scrubs every row in one transaction.
 */
export async function eraseLead(deps: EraseDeps, leadId: string, requestedBy = 'api', graceMs = 1000): Promise<EraseResult | null> {
  const { db, temporal } = deps;
  const lead = await db.lead.findUnique({ where: { id: leadId } });
  if (!lead) return null;
  let workflow: EraseResult['workflow'] = 'not_running';
  const handle = temporal.workflow.getHandle(lead.workflowId);
  try {
    if ((await handle.describe()).status.name === 'RUNNING') workflow = 'terminated';
  } catch (e) {
    if (!isNotFound(e)) workflow = 'error';
  }
  // Deleting a running workflow stops it and removes its history at once (a closed one the server
  // removes later); where the server cannot delete, it is at least stopped.
  const historyGone = await deleteWorkflowHistories(temporal, lead.workflowId);
  if (workflow !== 'not_running' && !historyGone) {
    try {
      await handle.terminate(`GDPR erasure (${requestedBy})`);
      workflow = 'terminated';
    } catch (e) {
      if (!isNotFound(e) && !/already completed|not running/i.test(String((e as Error).message))) workflow = 'error';
    }
  }
  const history = { leadId, workflowId: lead.workflowId };
  // Temporal away: nothing runs the retry yet; the row's `erasurePending` says so, and the sweep starts it.
  if (!historyGone) await startHistoryErasure(deps.temporal, deps.taskQueue, history);
  const pending = historyGone ? [] : [HISTORY_PENDING];
  if (lead.erasedAt) {
    // Asked again: the row says what is still pending; what is gone now is marked so.
    if (historyGone && lead.erasurePending.includes(HISTORY_PENDING)) await erasureDone(db, leadId, HISTORY_PENDING);
    return { leadId, erased: false, workflow, pending, assignmentsReleased: 0, sinkMailsRemoved: 0 };
  }
  // An activity a worker was already running when the workflow was terminated still finishes (the
  // lead-store writes take milliseconds); a short grace lets it land before the scrub, not after.
  if (workflow === 'terminated' && graceMs > 0) await new Promise((r) => setTimeout(r, graceMs));

  const hash = await addressHash(db, lead.email);
  const at = new Date();
  const messageIds = (await db.emailLog.findMany({ where: { leadId, messageId: { not: null } }, select: { messageId: true } })).map((m) => m.messageId!);
  const released = await db.$transaction(async (tx) => {
    await suppressRow(tx as unknown as Db, hash, 'erased');
    await tx.lead.update({
      where: { id: leadId },
      data: {
        email: `erased-${leadId}@erased.invalid`,
        firstName: null,
        lastName: null,
        company: null,
        companySize: null,
        industry: null,
        jobTitle: null,
        phone: null,
        website: null,
        country: null,
        locale: 'en',
        timezone: 'UTC',
        utm: Prisma.DbNull,
        consentStatus: 'withdrawn',
        consentSource: null,
        consentTextVersion: null,
        stage: 'erased',
        erasedAt: at,
        erasurePending: pending,
      },
    });
    // Types, stages and times stay for the funnel; free text, payloads and keys may name the person
    // (event ids from before this release held the address).
    await tx.leadEvent.updateMany({ where: { leadId }, data: { payload: Prisma.DbNull, reason: null, dedupKey: null } });
    await tx.leadEvent.create({ data: { leadId, type: 'erased', dedupKey: `${leadId}:erased`, stageTo: 'erased', occurredAt: at, ...(pending.length ? { reason: `pending: ${pending.join(', ')}` } : {}) } });
    await tx.surveyResponse.deleteMany({ where: { leadId } });
    await tx.emailLog.updateMany({ where: { leadId }, data: { toAddress: '', subject: null, error: null } });
    await tx.client.updateMany({ where: { leadId }, data: { companyName: null, contactName: null, email: '', phone: null, country: null } });
    // Tasks keep kind, manager and times (workload KPIs); what they said about the person goes.
    await tx.task.updateMany({ where: { leadId, status: 'open' }, data: { status: 'cancelled', closedAt: at } });
    await tx.task.updateMany({ where: { leadId }, data: { title: 'Re-contact (lead erased)', details: { erased: true } } });
    // Open offers end; each manager gets the slot back once (the status guard, as in closeAssignment).
    const open = await tx.assignment.findMany({ where: { leadId, status: { in: ['offered', 'accepted'] } }, select: { id: true, managerId: true } });
    let n = 0;
    for (const a of open) {
      const closed = await tx.assignment.updateMany({ where: { id: a.id, status: { in: ['offered', 'accepted'] } }, data: { status: 'released', closedAt: at } });
      if (closed.count !== 1) continue;
      await tx.manager.updateMany({ where: { id: a.managerId, openLeads: { gt: 0 } }, data: { openLeads: { decrement: 1 } } });
      n++;
    }
    return n;
  });
  const sinkMailsRemoved = deps.sink?.removeByMessageId(messageIds) ?? 0;
  return { leadId, erased: true, workflow, pending, assignmentsReleased: released, sinkMailsRemoved };
}
