// Manager tasks that are not hand-offs. "Re-contact": a deferred lead's re-qualification date came and
// it is worth a call (score high enough, or its survey said "later"). The task carries everything a
// manager needs without digging: why it said no, its survey answers, what it did since.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { LeadActivities, RecontactSummary, RecontactTaskRequest, RecontactTaskResult } from '../../workflows/activity-contract';
import { recontactTaskClosedSignal } from '../../workflows/lead/messages';
import type { Task } from '../../generated/prisma/client';
import { isUniqueViolation, type Db } from '../../domain/db';
import { rankManagers } from './routing';

/** Behaviour worth telling a manager about (lifecycle records are left out). */
const BEHAVIOUR = ['email_opened', 'email_clicked', 'page_viewed', 'document_downloaded', 'form_submitted', 'webinar_attended', 'demo_booked', 'replied'];
const RECENT_KEPT = 20;

export interface RecontactDetails {
  why: string;
  score: number;
  temperature: string;
  refusal: RecontactTaskRequest['rejection'];
  survey: unknown;
  behaviourSince: { since: string | null; counts: Record<string, number>; recent: { type: string; at: string; url?: string }[] };
}

/** The task as lines a manager reads in the notification mail. */
/** Free text (notes, survey comments, URLs) can be long; the mail template takes bounded strings. */
const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

export function summarise(d: RecontactDetails): RecontactSummary {
  const r = d.refusal;
  const survey = d.survey && typeof d.survey === 'object' ? Object.entries(d.survey as Record<string, unknown>).filter(([k]) => k !== 'locale') : [];
  const b = d.behaviourSince;
  // Sorted: PostgreSQL's jsonb does not keep key order, so a task read back would list them otherwise.
  const counts = Object.entries(b.counts)
    .sort(([a], [b2]) => a.localeCompare(b2))
    .map(([type, n]) => `${type.replace(/_/g, ' ')} ×${n}`);
  const urls = [...new Set(b.recent.flatMap((e) => (e.url ? [e.url] : [])))].slice(-5);
  return {
    refusal: clip(r ? `${r.reason} (by ${r.by}, ${r.at.slice(0, 10)})` : 'no refusal on record', 500),
    refusalNote: r?.note ? clip(r.note, 2000) : null,
    surveyAnswers: survey.length ? clip(survey.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('; '), 2000) : null,
    behaviourSince: clip((counts.length ? counts.join(', ') : 'nothing recorded') + (urls.length ? `; latest: ${urls.join(', ')}` : ''), 2000),
  };
}

export function createTaskActivities(deps: { db: Db }): Pick<LeadActivities, 'createRecontactTask'> {
  const { db } = deps;
  const result = (t: Task, managerEmail: string | null): RecontactTaskResult => {
    const d = t.details as unknown as RecontactDetails;
    return { taskId: t.id, managerId: t.managerId, managerEmail, why: clip(d.why, 1000), summary: summarise(d) };
  };
  const found = async (dedupKey: string): Promise<RecontactTaskResult | null> => {
    const t = await db.task.findUnique({ where: { dedupKey }, include: { manager: { select: { email: true } } } });
    return t ? result(t, t.manager?.email ?? null) : null;
  };
  return {
    async createRecontactTask(req: RecontactTaskRequest): Promise<RecontactTaskResult> {
      // Idempotent under retries: the dedupKey names this re-qualification.
      const prior = await found(req.dedupKey);
      if (prior) return prior;
      const at = new Date(req.now);
      const ranked = rankManagers(await db.manager.findMany({ where: { active: true } }), { temperature: req.temperature, locale: req.locale, ...(req.country ? { country: req.country } : {}), exclude: [] }, at);
      // The manager who knew the lead comes first when still eligible.
      const pick = ranked.find((r) => r.manager.id === req.previousOwner) ?? ranked[0];
      const since = req.rejection?.at ? new Date(req.rejection.at) : null;
      const events = await db.leadEvent.findMany({
        where: { leadId: req.leadId, type: { in: BEHAVIOUR }, ...(since ? { occurredAt: { gt: since } } : {}) },
        orderBy: { occurredAt: 'asc' },
        select: { type: true, occurredAt: true, payload: true },
      });
      const counts: Record<string, number> = {};
      for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
      const survey = await db.surveyResponse.findFirst({ where: { leadId: req.leadId, current: true }, orderBy: { submittedAt: 'desc' }, select: { answers: true } });
      const why = pick ? (pick.manager.id === req.previousOwner ? `knew the lead before; ${pick.why}` : pick.why) : 'no eligible manager: left for the team';
      const details: RecontactDetails = {
        why,
        score: req.score,
        temperature: req.temperature,
        refusal: req.rejection,
        survey: survey?.answers ?? req.rejection?.survey ?? null,
        behaviourSince: {
          since: since?.toISOString() ?? null,
          counts,
          recent: events.slice(-RECENT_KEPT).map((e) => {
            const url = (e.payload as { url?: unknown } | null)?.url;
            return { type: e.type, at: e.occurredAt.toISOString(), ...(typeof url === 'string' ? { url } : {}) };
          }),
        },
      };
      try {
        const t = await db.task.create({
          data: {
            dedupKey: req.dedupKey,
            kind: 'recontact',
            leadId: req.leadId,
            managerId: pick?.manager.id ?? null,
            title: `Re-contact: refused ${req.rejection ? `(${req.rejection.reason})` : ''} and re-qualified at score ${req.score}`.replace('  ', ' '),
            details: details as never,
            dueAt: at,
          },
        });
        return result(t, pick?.manager.email ?? null);
      } catch (e) {
        // A concurrent attempt of the same activity won: its task is the answer.
        if (!isUniqueViolation(e)) throw e;
        return (await found(req.dedupKey))!;
      }
    },
  };
}

export const TASK_STATUSES = ['open', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** A manager's tasks, oldest due first; null when the manager does not exist. */
export async function listManagerTasks(db: Db, managerId: string, status?: TaskStatus): Promise<Task[] | null> {
  const m = await db.manager.findUnique({ where: { id: managerId }, select: { id: true } });
  if (!m) return null;
  return db.task.findMany({ where: { managerId, ...(status ? { status } : {}) }, orderBy: [{ dueAt: 'asc' }, { createdAt: 'asc' }] });
}

export type CloseTaskResult = { closed: true; task: Task } | { closed: false; reason: 'not_found' } | { closed: false; reason: 'already_closed'; task: Task };

/** Closes an open task once: the status guard makes two concurrent closes end with one winner. */
export async function closeTask(db: Db, id: string, status: Exclude<TaskStatus, 'open'>, at = new Date()): Promise<CloseTaskResult> {
  const r = await db.task.updateMany({ where: { id, status: 'open' }, data: { status, closedAt: at } });
  const task = await db.task.findUnique({ where: { id } });
  if (!task) return { closed: false, reason: 'not_found' };
  return r.count === 1 ? { closed: true, task } : { closed: false, reason: 'already_closed', task };
}

/** Tells the lead's workflow its re-contact task closed: the lead is no longer held for that manager. */
export async function signalTaskClosed(db: Db, client: Client, task: Task, status: Exclude<TaskStatus, 'open'>): Promise<void> {
  const lead = await db.lead.findUnique({ where: { id: task.leadId }, select: { workflowId: true } });
  if (!lead) return;
  try {
    await client.workflow.getHandle(lead.workflowId).signal(recontactTaskClosedSignal, { taskId: task.id, status });
  } catch (e) {
    // The lead ended meanwhile (client, erased): nothing holds it any more.
    if (!(e instanceof WorkflowNotFoundError)) throw e;
  }
}
