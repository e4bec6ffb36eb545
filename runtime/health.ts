// Health checks for a container's HEALTHCHECK (or a Kubernetes probe), run as `leadflow <role> --health`:
// the API answers GET /health; a worker is healthy while Temporal itself sees this host's pollers on
// each queue the worker serves (DescribeTaskQueue), i.e. it is polling, not merely alive.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { hostname } from 'os';
import type { TemporalConfig, WorkerQueue } from './config';
import { emailTaskQueue } from '../workflows/task-queues';

/** The identity the worker role polls with: Temporal's usual pid@host, set explicitly because the check relies on it. */
export const workerIdentity = (): string => `${process.pid}@${hostname()}`;

/**
 * A poller not seen for this long is gone. Polls are long polls of up to ~70 s; the server records a
 * poller's access at every poll, and a worker keeps several polls open, so a live one is seen far
 * more often than that.
 */
export const POLLER_MAX_AGE_MS = 90_000;

const { TASK_QUEUE_TYPE_WORKFLOW: WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY: ACTIVITY } = temporal.api.enums.v1.TaskQueueType;

/** The (task queue, task type) pairs a worker on `queues` polls. */
export function polledQueues(config: Pick<TemporalConfig, 'TASK_QUEUE'>, queues: readonly WorkerQueue[]): { name: string; type: 'workflow' | 'activity' }[] {
  return queues.flatMap((q) =>
    q === 'lead'
      ? [
          { name: config.TASK_QUEUE, type: 'workflow' as const },
          { name: config.TASK_QUEUE, type: 'activity' as const },
        ]
      : [{ name: emailTaskQueue(config.TASK_QUEUE), type: 'activity' as const }],
  );
}

export interface WorkerHealth {
  ok: boolean;
  /** One line per polled queue: pollers of this host seen recently, or what is missing. */
  lines: string[];
}

export async function workerHealth(client: Client, config: Pick<TemporalConfig, 'TEMPORAL_NAMESPACE' | 'TASK_QUEUE'>, queues: readonly WorkerQueue[], host = hostname(), now = Date.now()): Promise<WorkerHealth> {
  const lines: string[] = [];
  let ok = true;
  for (const q of polledQueues(config, queues)) {
    const r = await client.workflowService.describeTaskQueue({
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: { name: q.name, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: q.type === 'workflow' ? WORKFLOW : ACTIVITY,
    });
    const ours = (r.pollers ?? []).filter((p) => p.identity?.endsWith(`@${host}`) && now - Number(p.lastAccessTime?.seconds ?? 0) * 1000 < POLLER_MAX_AGE_MS);
    if (!ours.length) ok = false;
    lines.push(`${q.name} (${q.type}): ${ours.length ? `polled by ${ours.map((p) => p.identity).join(', ')}` : `no poller of ${host} in the last ${POLLER_MAX_AGE_MS / 1000} s`}`);
  }
  return { ok, lines };
}

/** GET /health on the local API: 200 when the database and Temporal answer it. */
export async function apiHealth(host: string, port: number): Promise<{ ok: boolean; line: string }> {
  // A wildcard listen address is reached on loopback from inside the same host or container.
  const target = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  try {
    const r = await fetch(`http://${target.includes(':') ? `[${target}]` : target}:${port}/health`, { signal: AbortSignal.timeout(5000) });
    return { ok: r.ok, line: `${r.status} ${await r.text()}` };
  } catch (e) {
    return { ok: false, line: `no answer on ${target}:${port}: ${(e as Error).message}` };
  }
}
