// Picks the manager for a lead and keeps every manager's load within capacity.
//
// Race-free by a conditional UPDATE: `openLeads = openLeads + 1 WHERE id = ? AND openLeads < capacity`
// is atomic in PostgreSQL (the row is locked for the update), so two leads routed at the same
// moment can never both take a manager's last slot; the loser sees 0 rows and tries the next one.
//
// A lead with no eligible manager waits in the queue (stage `sql`, search attribute
// LeadQueue="awaiting_manager", a `queued_for_manager` LeadEvent). Whenever capacity frees (an
// assignment closes, the manager API adds a manager, raises a capacity or ends an absence),
// wakeQueuedLeads signals the longest-waiting queued leads that manager could take, as many as it has
// free slots, so they route at once; the workflow's 15-minute retry stays as the safety net (e.g. an
// absence that simply runs out).
import type { Client } from '@temporalio/client';
import { signalWorkflow } from '../lead-signal';
import { DateTime } from 'luxon';
import type { RouteLeadRequest } from '../../workflows/activity-contract';
import { managerCapacityFreedSignal } from '../../workflows/lead/messages';
import type { Temperature } from '../../workflows/types';
import type { Manager } from '../../generated/prisma/client';
import type { Db } from '../db';

export interface WorkingHours {
  days: number[];
  start: string;
  end: string;
}

export const SLA_WORKING_MINUTES = { hot: 120, warm: 480, cold: 480 } as const;

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
export const asHours = (v: unknown): WorkingHours => {
  const w = (v ?? {}) as Partial<WorkingHours>;
  return { days: Array.isArray(w.days) && w.days.length ? w.days : [1, 2, 3, 4, 5], start: w.start ?? '09:00', end: w.end ?? '17:00' };
};

export function isAway(m: Pick<Manager, 'outOfOffice' | 'active'>, at: Date): boolean {
  if (!m.active) return true;
  const periods = Array.isArray(m.outOfOffice) ? (m.outOfOffice as { from: string; to: string }[]) : [];
  return periods.some((p) => Date.parse(p.from) <= at.getTime() && at.getTime() < Date.parse(p.to));
}

/** `minutes` of working time after `from`, in the manager's hours and zone. */
export function addWorkingMinutes(from: Date, minutes: number, hours: WorkingHours, timezone: string): Date {
  const zone = DateTime.now().setZone(timezone).isValid ? timezone : 'UTC';
  const [sh, sm] = hours.start.split(':').map(Number);
  const [eh, em] = hours.end.split(':').map(Number);
  let t = DateTime.fromJSDate(from).setZone(zone);
  let left = minutes;
  for (let guard = 0; guard < 400 && left > 0; guard++) {
    const dayStart = t.set({ hour: sh, minute: sm, second: 0, millisecond: 0 });
    const dayEnd = t.set({ hour: eh, minute: em, second: 0, millisecond: 0 });
    if (!hours.days.includes(t.weekday) || t >= dayEnd) {
      t = t.plus({ days: 1 }).set({ hour: sh, minute: sm, second: 0, millisecond: 0 });
      continue;
    }
    if (t < dayStart) t = dayStart;
    const avail = dayEnd.diff(t, 'minutes').minutes;
    if (avail >= left) return t.plus({ minutes: left }).toJSDate();
    left -= avail;
    t = t.plus({ days: 1 }).set({ hour: sh, minute: sm, second: 0, millisecond: 0 });
  }
  return t.toJSDate();
}

type RankRequest = Pick<RouteLeadRequest, 'temperature' | 'locale' | 'country' | 'exclude'>;
const languageOf = (locale: string): string => locale.toLowerCase().split(/[-_]/)[0];

type Skip = { kind: 'head of sales' | 'inactive' | 'away' | 'tried' | 'full' | 'language' | 'region'; text: string };
function skipOf(m: Manager, req: RankRequest, at: Date): Skip | null {
  if (m.isHeadOfSales) return { kind: 'head of sales', text: 'head of sales (gets escalations, not leads)' };
  if (!m.active) return { kind: 'inactive', text: 'inactive' };
  if (isAway(m, at)) return { kind: 'away', text: 'out of office' };
  if (req.exclude.includes(m.id)) return { kind: 'tried', text: "already missed this lead's SLA" };
  if (m.openLeads >= m.capacity) return { kind: 'full', text: `full (${m.openLeads}/${m.capacity})` };
  const lang = languageOf(req.locale);
  const langs = asList(m.languages);
  if (langs.length && !langs.includes(lang)) return { kind: 'language', text: `does not speak ${lang}` };
  const country = req.country?.toUpperCase();
  const regions = asList(m.regions).map((r) => r.toUpperCase());
  if (country && regions.length && !regions.includes(country)) return { kind: 'region', text: `does not cover ${country}` };
  return null;
}

/** Why `m` cannot take this lead now, or null when it can. */
export function whyNot(m: Manager, req: RankRequest, at: Date): string | null {
  return skipOf(m, req, at)?.text ?? null;
}

/**
 * Eligible managers, best first, each with the reason it ranks there (recorded on the assignment and
 * the lead's history). Hot: best tier, then measured conversion rate. Warm and cold: tiers 2+ first,
 * keeping tier 1 free for hot leads. Among equals, whoever got a lead longest ago (round robin kept in
 * Manager.lastAssignedAt, so it survives restarts).
 */
export function rankManagers(managers: Manager[], req: RankRequest, at: Date): { manager: Manager; why: string }[] {
  const lang = languageOf(req.locale);
  const country = req.country?.toUpperCase();
  const skips = new Map(managers.map((m) => [m, skipOf(m, req, at)]));
  const eligible = managers.filter((m) => skips.get(m) === null);
  const counts = new Map<string, number>();
  for (const k of [...skips.values()]) if (k) counts.set(k.kind, (counts.get(k.kind) ?? 0) + 1);
  const skipped = [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
  const hot = req.temperature === 'hot';
  const rotation = (m: Manager): number => m.lastAssignedAt?.getTime() ?? 0;
  // Managers that differ only by rotation are "equals".
  const rank = (m: Manager): string => (hot ? `${m.tier}:${m.conversionRate}` : `${Number(m.tier === 1)}:${m.tier}`);
  const sorted = [...eligible].sort((a, b) =>
    hot
      ? a.tier - b.tier || b.conversionRate - a.conversionRate || rotation(a) - rotation(b) || a.id.localeCompare(b.id)
      : Number(a.tier === 1) - Number(b.tier === 1) || a.tier - b.tier || rotation(a) - rotation(b) || a.id.localeCompare(b.id),
  );
  const policy = hot ? 'best tier, then conversion rate' : 'tier 2+ first, tier 1 kept for hot leads';
  return sorted.map((m) => {
    const equals = sorted.filter((o) => rank(o) === rank(m)).length;
    const match = [asList(m.languages).length ? `speaks ${lang}` : '', country && asList(m.regions).length ? `covers ${country}` : ''].filter(Boolean).join(', ');
    return {
      manager: m,
      why:
        `${req.temperature} lead (${policy}): ${m.name}, tier ${m.tier}, conversion ${(m.conversionRate * 100).toFixed(0)}%, load ${m.openLeads}/${m.capacity}` +
        (match ? `, ${match}` : '') +
        (equals > 1 ? `; round robin among ${equals} equals (last lead ${m.lastAssignedAt ? m.lastAssignedAt.toISOString() : 'never'})` : '') +
        (skipped ? `; skipped: ${skipped}` : ''),
    };
  });
}

/** Tells one lead workflow (by workflow id) that capacity freed. */
export type CapacitySignaller = (workflowId: string, signal: { managerId: string; reason: string }) => Promise<void>;

export function signalThroughTemporal(client: Client): CapacitySignaller {
  // A lead that ended meanwhile (client, erased) has nothing waiting any more: signalWorkflow's false.
  return async (workflowId, signal) => void (await signalWorkflow(client, workflowId, managerCapacityFreedSignal, signal));
}

export interface QueuedLead {
  leadId: string;
  workflowId: string;
  queuedAt: Date;
}

/**
 * The queued leads `managerId` could take now (language, region; nobody if the manager is away or
 * full), longest-waiting first, at most as many as the manager has free slots. A lead is queued when
 * its row is at stage `sql` with no owner and it has a `queued_for_manager` event; its latest such
 * event is when it started waiting. A lead this manager was already offered since its last
 * re-qualification is left out: its workflow excludes that manager (`triedManagers`), so waking it
 * would spend the slot's wake-up on a lead that cannot take it.
 */
export async function queuedLeadsFor(db: Db, managerId: string, at: Date): Promise<QueuedLead[]> {
  const m = await db.manager.findUnique({ where: { id: managerId } });
  if (!m || m.isHeadOfSales || isAway(m, at) || m.openLeads >= m.capacity) return [];
  const waiting = await db.lead.findMany({
    where: { stage: 'sql', ownerId: null, erasedAt: null, events: { some: { type: 'queued_for_manager' } } },
    select: {
      id: true,
      workflowId: true,
      locale: true,
      country: true,
      temperature: true,
      events: { where: { type: { in: ['queued_for_manager', 'requalified'] } }, orderBy: { occurredAt: 'desc' }, take: 50, select: { type: true, occurredAt: true } },
      assignments: { where: { managerId }, orderBy: { assignedAt: 'desc' }, take: 1, select: { assignedAt: true } },
    },
  });
  const latest = (events: { type: string; occurredAt: Date }[], type: string): Date | null => events.find((e) => e.type === type)?.occurredAt ?? null;
  return waiting
    .filter((l) => {
      const tried = l.assignments[0]?.assignedAt;
      return !tried || tried < (latest(l.events, 'requalified') ?? new Date(0));
    })
    .filter((l) => rankManagers([m], { temperature: l.temperature as Temperature, locale: l.locale, ...(l.country ? { country: l.country } : {}), exclude: [] }, at).length > 0)
    .map((l) => ({ leadId: l.id, workflowId: l.workflowId, queuedAt: latest(l.events, 'queued_for_manager') ?? new Date(0) }))
    .sort((a, b) => a.queuedAt.getTime() - b.queuedAt.getTime() || a.leadId.localeCompare(b.leadId))
    .slice(0, m.capacity - m.openLeads);
}

/** Signals the leads queuedLeadsFor() picks; returns their ids in the order they were woken. */
export async function wakeQueuedLeads(db: Db, signal: CapacitySignaller, managerId: string, reason: string, at = new Date()): Promise<string[]> {
  const leads = await queuedLeadsFor(db, managerId, at);
  for (const l of leads) await signal(l.workflowId, { managerId, reason });
  return leads.map((l) => l.leadId);
}
