// The task lines of a manager's re-contact mail (`manager-recontact-task`), read by the send activity
// from the Task row the re-contact task activity wrote (activities/sales/tasks.ts): the refusal, its
// note, the survey answers (with the lead's comment) and the behaviour since the "no". Free text of the
// lead and of sales lives in the database only; the workflow's mail request names the task by id.
import type { Db } from '../db';

/** The mail that takes the lines below from its task (`variables.taskId`). */
export const RECONTACT_TEMPLATE = 'manager-recontact-task';

export interface RecontactDetails {
  why: string;
  score: number;
  temperature: string;
  refusal: { reason: string; note?: string; by: string; at: string } | null;
  survey: unknown;
  behaviourSince: { since: string | null; counts: Record<string, number>; recent: { type: string; at: string; url?: string }[] };
}

export interface RecontactSummary {
  refusal: string;
  refusalNote: string | null;
  surveyAnswers: string | null;
  behaviourSince: string;
}

/** Free text (notes, survey comments, URLs) can be long; the mail template takes bounded strings. */
export const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** The task as lines a manager reads in the notification mail. */
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

/** The lines of the lead's task `taskId`; null when there is no such task of this lead (or it was erased). */
export async function recontactParts(db: Db, leadId: string, taskId: unknown): Promise<RecontactSummary | null> {
  if (typeof taskId !== 'string' || !taskId) return null;
  const t = await db.task.findFirst({ where: { id: taskId, leadId }, select: { details: true } });
  const d = t?.details as unknown as (RecontactDetails & { erased?: boolean }) | undefined;
  return d && !d.erased ? summarise(d) : null;
}
