// Offer campaigns (content/offers/) as Temporal Schedules, created or updated idempotently at worker
// start: `offer-<campaignId>`, each run starting the offerCampaign workflow. A schedule paused or
// deleted by ops (Temporal UI, `temporal schedule toggle --pause` / `delete`) runs no more; a restart
// updates its spec and action but leaves its paused state as ops set it. Next to them, `erasure-sweep`
// starts the history erasure of every GDPR erasure left pending while Temporal was away.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions, type ScheduleSpec } from '@temporalio/client';
import { offerCampaignSchema } from '../domain/content/offer-schema';
import type { OfferCampaignInput } from '../workflows/offers/campaign';
import { offerCampaigns as shipped, type OfferCampaign } from '../content/offers';

export const scheduleIdOf = (campaignId: string): string => `offer-${campaignId}`;


/** Every problem of every campaign, one line each, or an empty list. */
export function lintOfferCampaigns(campaigns: readonly OfferCampaign[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  campaigns.forEach((c, i) => {
    const r = offerCampaignSchema.safeParse(c);
    const name = c?.id ?? `#${i}`;
    if (!r.success) for (const issue of r.error.issues) problems.push(`offer campaign ${name}: ${issue.path.join('.') || '(campaign)'}: ${issue.message}`);
    if (seen.has(c?.id)) problems.push(`offer campaign ${name}: id used twice`);
    seen.add(c?.id);
  });
  return problems;
}

export function specOf(c: OfferCampaign): ScheduleSpec {
  return {
    ...(c.schedule.cron?.length ? { cronExpressions: c.schedule.cron } : {}),
    ...(c.schedule.every?.length ? { intervals: c.schedule.every.map((every) => ({ every })) } : {}),
  };
}

/** Creates the schedule, or updates its spec, action and policies (its paused state stays as ops set it). */
async function upsertSchedule(client: Client, o: ScheduleOptions): Promise<void> {
  try {
    await client.schedule.create(o);
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
    await client.schedule.getHandle(o.scheduleId).update((prev) => ({ ...prev, spec: o.spec, action: o.action, ...(o.policies ? { policies: o.policies } : {}) }));
  }
}

/**
 * Creates each campaign's schedule, or updates it to the campaign's current definition. Returns the
 * schedule ids. Throws with every problem listed when a campaign is invalid (nothing is created then).
 */
export async function ensureOfferSchedules(client: Client, taskQueue: string, campaigns: readonly OfferCampaign[] = shipped, opts: { inline?: boolean } = {}): Promise<string[]> {
  const problems = lintOfferCampaigns(campaigns);
  if (problems.length) throw new Error(`Invalid offer campaigns:\n  ${problems.join('\n  ')}`);
  const ids: string[] = [];
  for (const c of campaigns) {
    const scheduleId = scheduleIdOf(c.id);
    // `inline` carries the definition in the run's input (campaigns not shipped in the bundle: tests).
    const args: [OfferCampaignInput] = [{ campaignId: c.id, ...(opts.inline ? { campaign: c } : {}) }];
    const action = { type: 'startWorkflow' as const, workflowType: 'offerCampaign', workflowId: scheduleId, taskQueue, args };
    const spec = specOf(c);
    // One run at a time: a slow run is not overtaken by the next; a missed run is caught up within a day.
    const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' as const };
    await upsertSchedule(client, { scheduleId, spec, action, policies, memo: { campaign: c.name } });
    ids.push(scheduleId);
  }
  return ids;
}

/** The schedule that sweeps erasures left pending while Temporal was away (workflows/erasure.ts). */
export const ERASURE_SWEEP_SCHEDULE = 'erasure-sweep';

/** Creates the erasure sweep's schedule (every 15 minutes), or updates it; returns its id. */
export async function ensureErasureSweepSchedule(client: Client, taskQueue: string): Promise<string> {
  const spec: ScheduleSpec = { intervals: [{ every: '15 minutes' }] };
  const action = { type: 'startWorkflow' as const, workflowType: 'sweepErasures', workflowId: ERASURE_SWEEP_SCHEDULE, taskQueue, args: [] };
  await upsertSchedule(client, { scheduleId: ERASURE_SWEEP_SCHEDULE, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' } });
  return ERASURE_SWEEP_SCHEDULE;
}
