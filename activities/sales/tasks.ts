// Manager tasks that are not hand-offs. "Re-contact": a deferred lead's re-qualification date came and
// it is worth a call (score high enough, or its survey said "later"). The task carries everything a
// manager needs without digging: why it said no, its survey answers, what it did since. Its free text
// (the refusal note, the survey comment) is read from the database and stays there: the result names
// the task, and the manager's mail takes the task's lines from its row (domain/mail/recontact.ts).
import type { LeadActivities, RecontactTaskRequest, RecontactTaskResult } from '../../workflows/activity-contract';
import type { Task } from '../../generated/prisma/client';
import { isUniqueViolation, type Db } from '../../domain/db';
import { clip, type RecontactDetails } from '../../domain/mail/recontact';
import { refusalNoteText } from '../../domain/sales/refusal-note';
import { rankManagers } from '../../domain/sales/routing';

export { summarise, type RecontactDetails } from '../../domain/mail/recontact';

/** Behaviour worth telling a manager about (lifecycle records are left out). */
const BEHAVIOUR = ['email_opened', 'email_clicked', 'page_viewed', 'document_downloaded', 'form_submitted', 'webinar_attended', 'demo_booked', 'replied'];
const RECENT_KEPT = 20;

export function createTaskActivities(deps: { db: Db }): Pick<LeadActivities, 'createRecontactTask'> {
  const { db } = deps;
  const result = (t: Task, managerEmail: string | null): RecontactTaskResult => {
    const d = t.details as unknown as RecontactDetails;
    return { taskId: t.id, managerId: t.managerId, managerEmail, why: clip(d.why, 1000) };
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
      // The note by its id (since the private-notes patch); an older workflow's request carries the text.
      const r = req.rejection;
      const note = r?.noteId ? await refusalNoteText(db, req.leadId, r.noteId) : (r?.note ?? null);
      const why = pick ? (pick.manager.id === req.previousOwner ? `knew the lead before; ${pick.why}` : pick.why) : 'no eligible manager: left for the team';
      const details: RecontactDetails = {
        why,
        score: req.score,
        temperature: req.temperature,
        refusal: r ? { reason: r.reason, by: r.by, at: r.at, ...(note ? { note } : {}) } : null,
        survey: survey?.answers ?? r?.survey ?? null,
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
