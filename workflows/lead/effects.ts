// The one effect boundary of the lead workflow: every activity call goes through `call`. A failure
// for good (non-retryable) comes back as an outcome the concern handles -- recorded on the lead, which
// goes on. Database calls retry a bounded number of times; then the lead waits in `attention`
// (LeadAttention search attribute) and tries again by itself on a timer, or at once on ops' retryNow.
import { RetryState } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { LeadActivities } from '../activity-contract';
import type { Outcome } from './commands';
import type { Attention } from './state';
import { emailTaskQueue } from '../task-queues';

/** The activities the lead workflow calls (the old two-step store is not among them). */
export type EffectName = Exclude<keyof LeadActivities, 'recordLeadEvents' | 'syncLeadSnapshot'>;
type Value<K extends EffectName> = Awaited<ReturnType<LeadActivities[K]>>;

// Bounded: a few quick tries inside one outage blip; a longer outage is the attention state's job.
export const DB_RETRY = { initialInterval: '1 second', maximumInterval: '10 seconds', backoffCoefficient: 2, maximumAttempts: 5 } as const;
// Mail has no attempt cap: an SMTP outage delays a mail; only a permanent error skips it.
const MAIL_RETRY = { initialInterval: '5 seconds', maximumInterval: '10 minutes', backoffCoefficient: 2 } as const;
export const ATTENTION_FIRST_RETRY_MS = 5 * 60_000;
export const ATTENTION_MAX_RETRY_MS = 60 * 60_000;

const remote = wf.proxyActivities<LeadActivities>({ startToCloseTimeout: '30 seconds', retry: DB_RETRY });
// Local: the lead's own writes and content reads run inside its workflow task (no server round trip).
const local = wf.proxyLocalActivities<LeadActivities>({ startToCloseTimeout: '30 seconds', retry: DB_RETRY });

type Route = { via: 'remote' | 'local' | 'mail'; attention: Attention['kind'] };
/** Where each activity runs and what waiting for it is called. */
const ROUTES: Record<EffectName, Route> = {
  persistLead: { via: 'local', attention: 'db' },
  currentScoringRules: { via: 'local', attention: 'db' },
  chooseSequence: { via: 'local', attention: 'db' },
  sequenceMigration: { via: 'local', attention: 'db' },
  nextCalendarTime: { via: 'local', attention: 'activity' },
  businessTime: { via: 'local', attention: 'activity' },
  sendEmail: { via: 'mail', attention: 'activity' },
  routeLead: { via: 'remote', attention: 'db' },
  closeAssignment: { via: 'remote', attention: 'db' },
  createClient: { via: 'remote', attention: 'db' },
  createRecontactTask: { via: 'remote', attention: 'db' },
  nextHoliday: { via: 'remote', attention: 'activity' },
};
/**
 * Since this patch the holiday look-up, a pure calendar computation like nextCalendarTime, runs as a
 * local activity: a greeting wakes, sends and looks up the next holiday in two workflow tasks instead
 * of three (bench/burst.ts). Histories from before it replay with the remote activity.
 */
export const HOLIDAY_LOOKUP_LOCAL_PATCH = 'holiday-lookup-local';
const HOLIDAY_LOCAL: Partial<Record<EffectName, Route>> = { nextHoliday: { via: 'local', attention: 'activity' } };

function mailer(priorityKey?: number): LeadActivities {
  // Sending runs on its own rate-limited task queue, next to the workflow's own; in a backlog the
  // lower priority key goes first (./mail-priority.ts).
  return wf.proxyActivities<LeadActivities>({ taskQueue: emailTaskQueue(wf.workflowInfo().taskQueue), startToCloseTimeout: '2 minutes', retry: MAIL_RETRY, ...(priorityKey ? { priority: { priorityKey } } : {}) });
}

/** A failure retrying cannot fix: the activity said so, or its error type is non-retryable. */
export function isPermanent(e: unknown): boolean {
  // Walks the cause chain: a local activity's failure carries the activity's error one level down.
  for (let x: unknown = e, depth = 0; x && depth < 5; x = (x as { cause?: unknown }).cause, depth++) {
    if (x instanceof wf.ActivityFailure && x.retryState === RetryState.NON_RETRYABLE_FAILURE) return true;
    if (x instanceof wf.ApplicationFailure && x.nonRetryable === true) return true;
  }
  return false;
}

const messageOf = (e: unknown): string => {
  const root = e instanceof wf.ActivityFailure && e.cause ? e.cause : e;
  return (root instanceof Error ? root.message : String(root)).slice(0, 500);
};

export interface BoundaryHooks {
  now(): number;
  /** A permanent failure: record it on the lead (`outcome`: what the lead does without it). */
  failed(activity: EffectName, reason: string, outcome: string): void;
  /** Entering (an Attention) or leaving (null) the attention state. */
  attention(a: Attention | null): void;
  /** Ops asked to retry now (the retryNow signal); reading it consumes the request. */
  takeRetryRequest(): boolean;
}

/** `priorityKey`: the task's priority on its queue (mail only, see ./mail-priority.ts). */
export type Call = <K extends EffectName>(name: K, args: Parameters<LeadActivities[K]>, without: string, opts?: { priorityKey?: number }) => Promise<Outcome<Value<K>>>;

/** `holidayLookupLocal`: HOLIDAY_LOOKUP_LOCAL_PATCH is in force (read by the caller in its run's first task). */
export function effectBoundary(hooks: BoundaryHooks, patches: { holidayLookupLocal?: boolean } = {}): Call {
  const routes: Record<EffectName, Route> = patches.holidayLookupLocal ? { ...ROUTES, ...HOLIDAY_LOCAL } : ROUTES;
  return async (name, args, without, opts) => {
    const route = routes[name];
    for (let attempt = 1; ; attempt++) {
      const proxy = route.via === 'remote' ? remote : route.via === 'local' ? local : mailer(opts?.priorityKey);
      try {
        const value = await (proxy[name] as (...a: unknown[]) => Promise<unknown>)(...args);
        if (attempt > 1) hooks.attention(null);
        return { ok: true, value: value as never };
      } catch (e) {
        if (wf.isCancellation(e)) throw e;
        const reason = messageOf(e);
        if (isPermanent(e)) {
          if (attempt > 1) hooks.attention(null);
          hooks.failed(name, reason, without);
          return { ok: false, reason };
        }
        // Bounded retries used up: wait, visible to ops, then try again.
        await waitInAttention(hooks, route.attention, name, reason, attempt);
      }
    }
  };
}

/** Waits in the attention state until its timer (growing with `attempt`) or ops' retryNow. */
export async function waitInAttention(hooks: BoundaryHooks, kind: Attention['kind'], activity: string, reason: string, attempt: number): Promise<void> {
  const wait = Math.min(ATTENTION_FIRST_RETRY_MS * 2 ** (attempt - 1), ATTENTION_MAX_RETRY_MS);
  const since = hooks.now();
  hooks.attention({ kind, activity, reason, since, retryAt: since + wait, attempts: attempt });
  await wf.condition(() => hooks.takeRetryRequest(), wait);
}
