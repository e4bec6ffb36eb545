// GDPR: a lead's data as one JSON document (access / portability) and its erasure. Erasure
// anonymises rather than deletes the lead row, so funnel and spend KPIs keep counting the lead
// without knowing who it was; everything that says who it was is removed. The address survives
// only as a SHA-256 in Suppression, so it is never mailed or taken in again.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Prisma, type Db } from './db';
import { emailHash } from './mail/email-hash';

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
  const suppression = await db.suppression.findUnique({ where: { emailHash: emailHash(lead.email) }, select: { reason: true, createdAt: true } });
  return { exportedAt: new Date().toISOString(), lead: row, campaign, events, emails, surveyResponses, assignments, client, suppression };
}
export type LeadExport = NonNullable<Awaited<ReturnType<typeof exportLead>>>;

export interface EraseResult {
  leadId: string;
  /** false when the lead had been erased before (erasure is idempotent). */
  erased: boolean;
  workflow: 'terminated' | 'not_running' | 'error';
}

const isNotFound = (e: unknown): boolean => e instanceof WorkflowNotFoundError || /not found/i.test(String((e as Error)?.message));

/**
 * Stops the lead's workflow first, so it writes nothing after the scrub, then removes its histories
 * from Temporal (they hold the profile), then anonymises every row in one transaction.
 */
export async function eraseLead(deps: { db: Db; temporal: Client }, leadId: string, requestedBy = 'api', graceMs = 1000): Promise<EraseResult | null> {
  const { db, temporal } = deps;
  const lead = await db.lead.findUnique({ where: { id: leadId } });
  if (!lead) return null;
  let workflow: EraseResult['workflow'] = 'not_running';
  try {
    await temporal.workflow.getHandle(lead.workflowId).terminate(`GDPR erasure (${requestedBy})`);
    workflow = 'terminated';
  } catch (e) {
    if (!isNotFound(e) && !/already completed|not running/i.test(String((e as Error).message))) workflow = 'error';
  }
  // Histories keep the profile (workflow input, signals); delete every run of this workflow id
  // (continue-as-new makes several). Visibility may lag or be missing: the latest run always goes.
  const runs = new Set<string>(['']);
  try {
    for await (const w of temporal.workflow.list({ query: `WorkflowId = "${lead.workflowId}"` })) runs.add(w.runId);
  } catch {
    // No visibility (e.g. the time-skipping test server): the latest run only.
  }
  for (const runId of runs) {
    try {
      await temporal.workflowService.deleteWorkflowExecution({ namespace: temporal.options.namespace, workflowExecution: { workflowId: lead.workflowId, ...(runId ? { runId } : {}) } });
    } catch {
      // Unsupported or already gone: Temporal's namespace retention removes it in any case.
    }
  }
  if (lead.erasedAt) return { leadId, erased: false, workflow };
  // An activity a worker was already running when the workflow was terminated still finishes (the
  // lead-store writes take milliseconds); a short grace lets it land before the scrub, not after.
  if (workflow === 'terminated' && graceMs > 0) await new Promise((r) => setTimeout(r, graceMs));

  const hash = emailHash(lead.email);
  const at = new Date();
  await db.$transaction([
    db.suppression.upsert({ where: { emailHash: hash }, create: { emailHash: hash, reason: 'erased' }, update: {} }),
    db.lead.update({
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
      },
    }),
    // Types, stages and times stay for the funnel; free text and payloads may name the person.
    db.leadEvent.updateMany({ where: { leadId }, data: { payload: Prisma.DbNull, reason: null } }),
    db.leadEvent.create({ data: { leadId, type: 'erased', dedupKey: `${leadId}:erased`, stageTo: 'erased', occurredAt: at } }),
    db.surveyResponse.deleteMany({ where: { leadId } }),
    db.emailLog.updateMany({ where: { leadId }, data: { toAddress: '', subject: null, error: null } }),
    db.client.updateMany({ where: { leadId }, data: { companyName: null, contactName: null, email: '', phone: null, country: null } }),
  ]);
  return { leadId, erased: true, workflow };
}
