// Deferred leads for the burst benches (bench/burst.ts, bench/latency.ts --burst): leads that said
// "not now" months ago, sit in the deferred-demand base and have their next holiday greeting looked
// up. Each is a real lead row and a real lead workflow, started with the state such a lead carries
// through continue-as-new (stage deferred, keep-in-touch done, scoring rules pinned, the greeting's
// occurrence from nextHoliday). Only the greeting's moment is the bench's: `sendAt`, which in
// production is 10:00 local on the holiday (activities/calendar.ts) and here is chosen a few minutes
// ahead, in a zone where it is 10:xx local then.
import { readFileSync } from 'fs';
import { DateTime } from 'luxon';
import type { PinnedRules } from '../workflows/activity-contract';
import { situationKey } from '../workflows/lead/sequences';
import { initialState } from '../workflows/lead/state';
import type { LeadWorkflowInput } from '../workflows/lead/lifecycle';
import { featuresOf } from '../workflows/features';
import { pool } from './report';
import type { BenchStack } from './stack';

const DAY = 86_400_000;
const KEEP_IN_TOUCH = 'deferred-keep-in-touch';

/** IANA zones with their country (the system's tz database), e.g. ["Pacific/Auckland", "NZ"]. */
function zones(): [string, string][] {
  try {
    return readFileSync('/usr/share/zoneinfo/zone.tab', 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split('\t'))
      .map(([cc, , tz]) => [tz, cc]);
  } catch {
    return Intl.supportedValuesOf('timeZone').map((tz) => [tz, 'XX']);
  }
}

/** A zone (and its country) where `at` is between hour:00 and hour:59 local. */
export function zoneWithLocalHour(at: number, hour: number): { zone: string; country: string; local: string } {
  const found = zones().find(([tz]) => DateTime.fromMillis(at, { zone: tz }).hour === hour);
  if (!found) throw new Error(`no zone has ${hour}:xx local at ${new Date(at).toISOString()}`);
  return { zone: found[0], country: found[1], local: DateTime.fromMillis(at, { zone: found[0] }).toFormat('yyyy-LL-dd HH:mm:ss ZZZZ') };
}

export interface DeferredGroup {
  /** Lead ids are `<prefix>-<i>`, addresses `<prefix><i>@burst.test`. */
  prefix: string;
  count: number;
  zone: string;
  country: string;
  /** When the greeting is due (epoch ms). */
  sendAt: number;
  /** Marketing mails each lead got in the last hour (the frequency cap counts them). */
  recentSends?: number;
}

export const leadIds = (g: Pick<DeferredGroup, 'prefix' | 'count'>): string[] => Array.from({ length: g.count }, (_, i) => `${g.prefix}-${i}`);
export const addressOf = (prefix: string, i: number): string => `${prefix}${i}@burst.test`;

/** Lead rows (and their recent sends), then the workflows, `width` starts in flight. */
export async function seedDeferred(stack: BenchStack, rules: PinnedRules, g: DeferredGroup, width = 50): Promise<void> {
  const now = Date.now();
  const ids = leadIds(g);
  for (let k = 0; k < ids.length; k += 1000) {
    await stack.db.db.lead.createMany({
      data: ids.slice(k, k + 1000).map((id, j) => ({ id, email: addressOf(g.prefix, k + j), firstName: `Lead${k + j}`, locale: 'en', timezone: g.zone, country: g.country, source: 'web_form', consentStatus: 'confirmed', workflowId: `lead-${id}` })),
    });
  }
  if (g.recentSends) {
    const rows = ids.flatMap((id, i) =>
      Array.from({ length: g.recentSends! }, (_, n) => ({ idempotencyKey: `${id}:seed:${n}`, leadId: id, template: 'cold-ebook', locale: 'en', kind: 'marketing', toAddress: addressOf(g.prefix, i), status: 'sent', sentAt: new Date(now - 3_600_000 + n * 60_000) })),
    );
    for (let k = 0; k < rows.length; k += 1000) await stack.db.db.emailLog.createMany({ data: rows.slice(k, k + 1000) });
  }
  const occurrence = { key: `${g.country}:${new Date(g.sendAt).toISOString().slice(0, 10)}:bench-holiday`, name: 'Bench Holiday', sendAt: new Date(g.sendAt).toISOString() };
  await pool(ids.length, width, async (i) => {
    // No contact data in the workflow: its features only, as intake derives them (the address is on the row).
    const features = featuresOf({ email: addressOf(g.prefix, i), firstName: `Lead${i}`, locale: 'en', timezone: g.zone, country: g.country, source: 'web_form', consent: 'confirmed' });
    const s = initialState(ids[i], features, now - 200 * DAY);
    Object.assign(s, {
      stage: 'deferred',
      stageSince: now - 60 * DAY,
      rules,
      rejection: { reason: 'bad_timing', by: 'lead', at: now - 90 * DAY },
      rejections: 1,
      requalifyAt: now + 120 * DAY,
      sequencesDone: [KEEP_IN_TOUCH],
      sequencesDoneThisStage: [KEEP_IN_TOUCH],
      holiday: { next: occurrence, lookedUpAt: now, sent: [] },
    });
    s.seqNoneFor = situationKey(s);
    const input: LeadWorkflowInput = { leadId: ids[i], features, carried: s };
    await stack.client.workflow.start('leadLifecycle', { workflowId: `lead-${ids[i]}`, taskQueue: stack.taskQueue, args: [input] });
  });
}

/** Leads of a group whose workflow has run its first task (its snapshot says deferred). */
export const asleep = (stack: BenchStack, prefix: string): Promise<number> => stack.db.db.lead.count({ where: { id: { startsWith: `${prefix}-` }, stage: 'deferred' } });

export async function waitAsleep(stack: BenchStack, prefix: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await asleep(stack, prefix)) < count) {
    if (Date.now() > deadline) throw new Error(`${prefix}: only ${await asleep(stack, prefix)}/${count} leads asleep after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
