// Manager tasks that are not hand-offs. "Re-contact": a deferred lead's re-qualification date came and
// it is worth a call (score high enough, or its survey said "later"). The task carries everything a
// manager needs without digging: why it said no, its survey answers, what it did since.
import type { LeadActivities, RecontactSummary, RecontactTaskRequest, RecontactTaskResult } from '../../workflows/activity-contract';
import type { Task } from '../../generated/prisma/client';
import { isUniqueViolation, type Db } from '../../domain/db';
import { rankManagers } from '../../domain/sales/routing';

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
