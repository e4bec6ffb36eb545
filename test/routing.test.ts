// Routing on a real database (PostgreSQL): race-free capacity, tiers, fair rotation, skipping, language/region, working-hours SLA, and the
// queue's wake-up when capacity frees.
import { createPrisma } from '../domain/db';
import { createRoutingActivities } from '../activities/sales/routing';
import { rankManagers, whyNot, type CapacitySignaller } from '../domain/sales/routing';
import type { RouteLeadRequest } from '../workflows/activity-contract';
import type { Db } from '../domain/db';
import { createTestDb, type TestDb } from './helpers/db';

// Monday 2026-11-23 10:00 in Warsaw (CET, UTC+1): inside everyone's working hours.
const MONDAY_10_WARSAW = new Date('2026-11-23T09:00:00Z');
const MIN = 60_000;
const DAY = 1440 * MIN;
const weekdays = { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };

interface ManagerSeed {
  name: string;
  tier?: number;
  conversionRate?: number;
  capacity?: number;
  languages?: string[];
  regions?: string[];
  timezone?: string;
  active?: boolean;
  isHeadOfSales?: boolean;
  outOfOffice?: { from: string; to: string }[];
  openLeads?: number;
}

async function managers(db: Db, seeds: ManagerSeed[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const m of seeds) {
    const row = await db.manager.create({
      data: {
        name: m.name,
        email: `${m.name.toLowerCase()}@sales.test`,
        languages: m.languages ?? ['en'],
        regions: m.regions ?? [],
        tier: m.tier ?? 2,
        conversionRate: m.conversionRate ?? 0.2,
        capacity: m.capacity ?? 10,
        openLeads: m.openLeads ?? 0,
        timezone: m.timezone ?? 'Europe/Warsaw',
        workingHours: weekdays,
        outOfOffice: m.outOfOffice ?? [],
        active: m.active ?? true,
        isHeadOfSales: m.isHeadOfSales ?? false,
      },
    });
    ids[m.name] = row.id;
  }
  return ids;
}

async function leads(db: Db, n: number, prefix: string, over: { locale?: string; country?: string } = {}): Promise<string[]> {
  const rows = Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, email: `${prefix}${i}@lead.test`, source: 'web_form', workflowId: `lead-${prefix}${i}`, locale: over.locale ?? 'en', country: over.country ?? null }));
  await db.lead.createMany({ data: rows });
  return rows.map((r) => r.id);
}

const req = (leadId: string, over: Partial<RouteLeadRequest> = {}): RouteLeadRequest => ({ leadId, temperature: 'warm', locale: 'en', exclude: [], now: MONDAY_10_WARSAW.toISOString(), ...over });

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.cleanup();
});
// Each test on empty tables.
const scenario = (title: string, fn: (db: Db, t: TestDb) => Promise<void>): void =>
  test(title, async () => {
    const { db } = t;
    await db.assignment.deleteMany();
    await db.leadEvent.deleteMany();
    await db.lead.deleteMany();
    await db.manager.deleteMany();
    await fn(db, t);
  }, 60_000);

scenario('capacity is never exceeded under 50 concurrent hand-offs', async (db) => {
  const ids = await managers(db, [{ name: 'Ann', capacity: 4 }, { name: 'Ben', capacity: 6 }, { name: 'Cid', capacity: 5 }, { name: 'Hed', capacity: 50, isHeadOfSales: true }]);
  const routing = createRoutingActivities({ db });
  const leadIds = await leads(db, 50, 'c');
  const results = await Promise.all(leadIds.map((id, i) => routing.routeLead(req(id, { temperature: i % 3 ? 'warm' : 'hot' }))));
  expect(results.filter((r) => r.assigned)).toHaveLength(15);
  expect(results.filter((r) => !r.assigned).every((r) => !r.assigned && /filled up|no eligible/.test(r.reason))).toBe(true);
  const rows = await db.manager.findMany({ include: { assignments: true } });
  for (const m of rows) {
    expect(m.openLeads).toBeLessThanOrEqual(m.capacity);
    expect(m.assignments).toHaveLength(m.openLeads);
  }
  expect(Object.fromEntries(rows.map((m) => [m.id, m.openLeads]))).toEqual({ [ids.Ann]: 4, [ids.Ben]: 6, [ids.Cid]: 5, [ids.Hed]: 0 });
  // One offer per lead, never two.
  expect(new Set((await db.assignment.findMany()).map((a) => a.leadId)).size).toBe(15);
});

scenario('hot goes to the top tier (then conversion rate), warm to the rest first', async (db) => {
  const ids = await managers(db, [
    { name: 'Top', tier: 1, conversionRate: 0.35, capacity: 1 },
    { name: 'Ace', tier: 1, conversionRate: 0.3, capacity: 1 },
    { name: 'Mid', tier: 2, conversionRate: 0.5, capacity: 1 },
    { name: 'Low', tier: 3, conversionRate: 0.1, capacity: 1 },
  ]);
  const routing = createRoutingActivities({ db });
  const [h1, h2, h3, w1, w2] = await leads(db, 5, 'tier');
  const got = async (id: string, temperature: 'hot' | 'warm'): Promise<string | null> => {
    const r = await routing.routeLead(req(id, { temperature }));
    return r.assigned ? r.managerId : null;
  };
  expect(await got(h1, 'hot')).toBe(ids.Top);
  expect(await got(w1, 'warm')).toBe(ids.Mid); // the best stay free for hot leads
  expect(await got(h2, 'hot')).toBe(ids.Ace);
  expect(await got(h3, 'hot')).toBe(ids.Low); // tier 1 and 2 full: the next best
  expect(await got(w2, 'warm')).toBeNull();
  const a = await db.assignment.findFirstOrThrow({ where: { leadId: h1 } });
  expect(a.reason).toBe('hot lead (best tier, then conversion rate): Top, tier 1, conversion 35%, load 0/1, speaks en');
});

scenario('rotation among equals is fair over 100 leads and survives a restart', async (db, t) => {
  const ids = await managers(db, ['Amy', 'Bob', 'Cat', 'Dan'].map((n) => ({ name: n, capacity: 100 })));
  const leadIds = await leads(db, 100, 'rot');
  const order: string[] = [];
  const routeBatch = async (routing: ReturnType<typeof createRoutingActivities>, batch: string[], offset: number): Promise<void> => {
    for (const [i, id] of batch.entries()) {
      const r = await routing.routeLead(req(id, { now: new Date(MONDAY_10_WARSAW.getTime() + (offset + i) * MIN).toISOString() }));
      if (r.assigned) order.push(r.managerId);
    }
  };
  await routeBatch(createRoutingActivities({ db }), leadIds.slice(0, 50), 0);
  // A restart: a new process with its own connection continues the rotation from the database.
  const again = createPrisma(t.url);
  try {
    await routeBatch(createRoutingActivities({ db: again }), leadIds.slice(50), 50);
  } finally {
    await again.$disconnect();
  }
  expect(order).toHaveLength(100);
  const counts = Object.values(ids).map((id) => order.filter((m) => m === id).length);
  expect(counts).toEqual([25, 25, 25, 25]);
  // Strict round robin: every window of four consecutive leads reaches four different managers.
  for (let i = 0; i + 4 <= order.length; i++) expect(new Set(order.slice(i, i + 4)).size).toBe(4);
  expect((await db.assignment.findFirstOrThrow({ where: { leadId: leadIds[99] } })).reason).toMatch(/round robin among 4 equals \(last lead 2026-11-23T10:35:00.000Z\)$/);
});

scenario('away, inactive and full managers are skipped; the head of sales gets no leads; none eligible says why', async (db) => {
  const now = MONDAY_10_WARSAW.getTime();
  const ids = await managers(db, [
    { name: 'Away', tier: 1, outOfOffice: [{ from: new Date(now - 86_400_000).toISOString(), to: new Date(now + 86_400_000).toISOString() }] },
    { name: 'Back', tier: 1, conversionRate: 0.1, outOfOffice: [{ from: new Date(now - 7 * 86_400_000).toISOString(), to: new Date(now - 86_400_000).toISOString() }] },
    { name: 'Gone', tier: 1, conversionRate: 0.9, active: false },
    { name: 'Full', tier: 1, conversionRate: 0.8, capacity: 3, openLeads: 3 },
    { name: 'Boss', tier: 1, conversionRate: 0.99, isHeadOfSales: true },
  ]);
  const routing = createRoutingActivities({ db });
  const [l1, l2] = await leads(db, 2, 'skip');
  const r = await routing.routeLead(req(l1, { temperature: 'hot' }));
  expect(r).toMatchObject({ assigned: true, managerId: ids.Back });
  // An activity retry returns the same offer instead of taking a second slot.
  expect(await routing.routeLead(req(l1, { temperature: 'hot' }))).toEqual(r);
  expect((await db.manager.findUniqueOrThrow({ where: { id: ids.Back } })).openLeads).toBe(1);
  // Back was tried already (an SLA miss): nobody else is eligible, and the reason says so.
  const none = await routing.routeLead(req(l2, { temperature: 'hot', exclude: [ids.Back] }));
  expect(none).toEqual({ assigned: false, reason: "only managers who already missed this lead's SLA could take it", onlyTried: true });
  expect(await routing.routeLead(req(l2, { temperature: 'hot', locale: 'fr' }))).toEqual({ assigned: false, reason: 'no eligible manager (language, region, capacity, away)' });
  const reasons = Object.fromEntries((await db.manager.findMany()).map((m) => [m.name, whyNot(m, req(l2, { exclude: [ids.Back] }), MONDAY_10_WARSAW)]));
  expect(reasons).toEqual({ Away: 'out of office', Back: "already missed this lead's SLA", Gone: 'inactive', Full: 'full (3/3)', Boss: 'head of sales (gets escalations, not leads)' });
});

scenario('language and region must match when set; an empty list means any', async (db) => {
  const ids = await managers(db, [
    { name: 'Anna', languages: ['pl', 'en'], regions: ['PL'] },
    { name: 'Nikos', languages: ['el', 'en'], regions: ['GR', 'CY'] },
    { name: 'Olga', languages: ['ru', 'en'], regions: [] },
    { name: 'Any', languages: [], regions: [], tier: 3 },
  ]);
  const all = await db.manager.findMany();
  const eligible = (locale: string, country?: string): string[] =>
    rankManagers(all, { temperature: 'warm', locale, ...(country ? { country } : {}), exclude: [] }, MONDAY_10_WARSAW)
      .map((r) => r.manager.name)
      .sort();
  expect(eligible('pl-PL', 'PL')).toEqual(['Anna', 'Any']);
  expect(eligible('pl', 'DE')).toEqual(['Any']); // Anna covers Poland only
  expect(eligible('el', 'cy')).toEqual(['Any', 'Nikos']);
  expect(eligible('ru', 'RU')).toEqual(['Any', 'Olga']);
  expect(eligible('en', 'US')).toEqual(['Any', 'Olga']);
  expect(eligible('en')).toEqual(['Anna', 'Any', 'Nikos', 'Olga']); // no country: regions do not restrict
  const routing = createRoutingActivities({ db });
  const [l] = await leads(db, 1, 'lang', { locale: 'el', country: 'GR' });
  const r = await routing.routeLead(req(l, { locale: 'el', country: 'GR' }));
  expect(r).toMatchObject({ assigned: true, managerId: ids.Nikos });
  expect(r.assigned && r.reason).toMatch(/speaks el, covers GR/);
});

scenario('the SLA deadline counts working hours in the manager’s own zone', async (db) => {
  const ids = await managers(db, [{ name: 'Wawa', tier: 1, timezone: 'Europe/Warsaw' }, { name: 'Ldn', tier: 1, timezone: 'Europe/London' }]);
  const routing = createRoutingActivities({ db });
  const [a, b, c] = await leads(db, 3, 'sla');
  // Friday 2026-11-27 16:30 Warsaw = 15:30 London.
  const friday = '2026-11-27T15:30:00Z';
  const hotWawa = await routing.routeLead(req(a, { temperature: 'hot', now: friday, exclude: [ids.Ldn] }));
  const hotLdn = await routing.routeLead(req(b, { temperature: 'hot', now: friday, exclude: [ids.Wawa] }));
  const warm = await routing.routeLead(req(c, { temperature: 'warm', exclude: [ids.Ldn] }));
  // 2 working hours: 30 min on Friday, the rest on Monday morning local time.
  expect(hotWawa.assigned && hotWawa.slaDueAt).toBe('2026-11-30T09:30:00.000Z'); // Monday 10:30 Warsaw
  expect(hotLdn.assigned && hotLdn.slaDueAt).toBe('2026-11-30T09:30:00.000Z'); // Monday 09:30 London
  // 1 working day (8 h) from Monday 10:00: Tuesday 10:00.
  expect(warm.assigned && warm.slaDueAt).toBe('2026-11-24T09:00:00.000Z');
});

scenario('closing frees the load exactly once and wakes the longest-waiting queued leads the manager can take', async (db) => {
  const ids = await managers(db, [{ name: 'Solo', capacity: 2, languages: ['en'] }]);
  const woken: string[] = [];
  const signal: CapacitySignaller = async (workflowId, s) => {
    expect(s.managerId).toBe(ids.Solo);
    woken.push(workflowId);
  };
  const routing = createRoutingActivities({ db, signal });
  const [held1, held2] = await leads(db, 2, 'held');
  const r1 = await routing.routeLead(req(held1));
  const r2 = await routing.routeLead(req(held2));
  if (!r1.assigned || !r2.assigned) throw new Error('both should be assigned');

  // The queue: stage sql, no owner, a queued_for_manager event (when it started waiting).
  const base = MONDAY_10_WARSAW.getTime();
  const queued = [
    { id: 'q-late', locale: 'en', at: base - 5 * MIN },
    { id: 'q-early', locale: 'en', at: base - 50 * MIN },
    { id: 'q-middle', locale: 'en', at: base - 20 * MIN },
    { id: 'q-russian', locale: 'ru', at: base - 90 * MIN }, // waits longest, but Solo does not speak Russian
  ];
  for (const q of queued) {
    await db.lead.create({ data: { id: q.id, email: `${q.id}@lead.test`, source: 'chat', workflowId: `lead-${q.id}`, locale: q.locale, stage: 'sql' } });
    await db.leadEvent.create({ data: { leadId: q.id, type: 'queued_for_manager', dedupKey: `${q.id}:q`, occurredAt: new Date(q.at) } });
  }
  // Waited longest, but Solo missed its SLA before: its workflow excludes Solo, so it is not woken.
  await db.lead.create({ data: { id: 'q-tried', email: 'q-tried@lead.test', source: 'chat', workflowId: 'lead-q-tried', stage: 'sql' } });
  await db.leadEvent.create({ data: { leadId: 'q-tried', type: 'queued_for_manager', dedupKey: 'q-tried:q', occurredAt: new Date(base - 95 * MIN) } });
  await db.assignment.create({ data: { leadId: 'q-tried', managerId: ids.Solo, status: 'missed', assignedAt: new Date(base - 200 * MIN) } });
  // The same, but re-qualified since: a fresh start, Solo may take it again.
  await db.lead.create({ data: { id: 'q-requalified', email: 'q-requalified@lead.test', source: 'chat', workflowId: 'lead-q-requalified', stage: 'sql' } });
  await db.assignment.create({ data: { leadId: 'q-requalified', managerId: ids.Solo, status: 'missed', assignedAt: new Date(base - 300 * DAY) } });
  await db.leadEvent.create({ data: { leadId: 'q-requalified', type: 'requalified', dedupKey: 'q-requalified:r', occurredAt: new Date(base - 100 * DAY) } });
  await db.leadEvent.create({ data: { leadId: 'q-requalified', type: 'queued_for_manager', dedupKey: 'q-requalified:q', occurredAt: new Date(base - 30 * MIN) } });
  // Queued once before, routed since (handed off): not waiting any more.
  await db.lead.create({ data: { id: 'q-done', email: 'q-done@lead.test', source: 'chat', workflowId: 'lead-q-done', stage: 'handed_off', ownerId: ids.Solo } });
  await db.leadEvent.create({ data: { leadId: 'q-done', type: 'queued_for_manager', dedupKey: 'q-done:q', occurredAt: new Date(base - 99 * MIN) } });

  await routing.closeAssignment(r1.assignmentId, 'accepted');
  expect(woken).toEqual([]); // accepting frees nothing

  await routing.closeAssignment(r1.assignmentId, 'lost');
  await routing.closeAssignment(r1.assignmentId, 'lost'); // a retry: freed once, woken once
  expect((await db.manager.findUniqueOrThrow({ where: { id: ids.Solo } })).openLeads).toBe(1);
  expect(woken).toEqual(['lead-q-early']);

  woken.length = 0;
  await routing.closeAssignment(r2.assignmentId, 'missed');
  expect((await db.manager.findUniqueOrThrow({ where: { id: ids.Solo } })).openLeads).toBe(0);
  expect(woken).toEqual(['lead-q-early', 'lead-q-requalified']); // two free slots, longest waiting first
  const row = (id: string) => db.assignment.findUniqueOrThrow({ where: { id } });
  expect(await row(r1.assignmentId)).toMatchObject({ status: 'lost', acceptedAt: expect.any(Date), closedAt: expect.any(Date) });
  expect(await row(r2.assignmentId)).toMatchObject({ status: 'missed', acceptedAt: null, closedAt: expect.any(Date) });
});
