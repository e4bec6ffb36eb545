// Manager tasks as the manager API sees them: list, close once, and tell the lead's workflow.
// The re-contact task activity that creates them is activities/sales/tasks.ts.
import type { Client } from '@temporalio/client';
import { signalWorkflow } from '../lead-signal';
import { recontactTaskClosedSignal } from '../../workflows/lead/messages';
import type { Task } from '../../generated/prisma/client';
import type { Db } from '../db';

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
  // A lead that ended meanwhile (client, erased) is held by nothing any more: signalWorkflow's false.
  await signalWorkflow(client, lead.workflowId, recontactTaskClosedSignal, { taskId: task.id, status });
}
