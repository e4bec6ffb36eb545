// What a workflow has done with a signal, read from its history: the condition a test waits for
// before it checks that something did *not* happen (no second mail, no new step).
import type { WorkflowHandle } from '@temporalio/client';
import { eventually, type Bound } from './eventually';

type Event = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events'] extends (infer E)[] | null | undefined ? E : never;

const mentions = (e: Event, marker: string): boolean =>
  (e.workflowExecutionSignaledEventAttributes?.input?.payloads ?? []).some((p) => Buffer.from(p.data ?? []).toString('utf8').includes(marker));

const closedActivity = (e: Event): string | undefined => {
  const a = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
  return a ? String(a.scheduledEventId) : undefined;
};

/**
 * True once the workflow has handled the last signal whose payload mentions `marker` (an event
 * id): a workflow task completed after it, and every activity scheduled since has finished. What
 * that signal was going to cause has then happened.
 */
export async function signalHandled(handle: WorkflowHandle, marker: string): Promise<boolean> {
  const events = (await handle.fetchHistory()).events ?? [];
  let at = events.length - 1;
  while (at >= 0 && !mentions(events[at], marker)) at--;
  if (at < 0) return false;
  const after = events.slice(at + 1);
  if (!after.some((e) => e.workflowTaskCompletedEventAttributes)) return false;
  const closed = new Set(after.map(closedActivity).filter((x) => x !== undefined));
  return after.filter((e) => e.activityTaskScheduledEventAttributes).every((e) => closed.has(String(e.eventId)));
}

/** Waits until the workflow has handled the signal mentioning `marker` (see signalHandled). */
export function untilSignalHandled(handle: WorkflowHandle, marker: string, bound?: Bound): Promise<void> {
  return eventually(() => signalHandled(handle, marker), `${handle.workflowId} to handle the signal ${marker}`, { everyMs: 100, ...bound });
}

type History = Pick<WorkflowHandle, 'fetchHistory'>;

/** How often the current run called `activityType`: as activity tasks through the server, and as local activities (their markers). */
export async function activityCalls(handle: History, activityType: string): Promise<{ remote: number; local: number }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const remote = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType).length;
  const local = events.filter((e) => {
    const m = e.markerRecordedEventAttributes;
    const data = m?.markerName === 'core_local_activity' ? m.details?.data?.payloads?.[0]?.data : undefined;
    return data ? (JSON.parse(Buffer.from(data).toString()) as { activity_type?: string }).activity_type === activityType : false;
  }).length;
  return { remote, local };
}

/** The priority key of each `sendEmail` the current run scheduled, by template (0: none set). */
export async function mailPriorities(handle: History): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const e of (await handle.fetchHistory()).events ?? []) {
    const a = e.activityTaskScheduledEventAttributes;
    if (a?.activityType?.name !== 'sendEmail') continue;
    const { template } = JSON.parse(Buffer.from(a.input!.payloads![0].data!).toString()) as { template: string };
    (out[template] ??= []).push(a.priority?.priorityKey ?? 0);
  }
  return out;
}
