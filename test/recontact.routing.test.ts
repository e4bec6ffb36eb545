// No double contact, at the routing step: the manager holding a lead's re-contact task (`prefer`) is
// offered the lead first when eligible, ahead of a better-ranked manager; when not eligible (full,
// wrong language, away, already missed the lead's SLA) the usual ranking decides. Real database
// (PostgreSQL).
import { createRoutingActivities } from '../activities/sales/routing';
import type { RouteLeadRequest } from '../workflows/activity-contract';
import { createTestDb, type TestDb } from './helpers/db';

// Monday 2026-11-23 10:00 Warsaw: inside everyone's working hours.
const NOW = '2026-11-23T09:00:00.000Z';
const hours = { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };

describe('on PostgreSQL', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  test(`the task's manager first when eligible, the ranking otherwise`, async () => {
    const { db } = t;
    const mk = async (name: string, over: { tier?: number; conversionRate?: number; capacity?: number; languages?: string[]; outOfOffice?: { from: string; to: string }[] } = {}) =>
      (await db.manager.create({ data: { name, email: `${name}@sales.test`, languages: over.languages ?? ['en'], regions: [], tier: over.tier ?? 2, conversionRate: over.conversionRate ?? 0.1, capacity: over.capacity ?? 5, timezone: 'Europe/Warsaw', workingHours: hours, outOfOffice: over.outOfOffice ?? [] } })).id;
    const top = await mk('top', { tier: 1, conversionRate: 0.5, capacity: 20 });
    const holder = await mk('holder');
    const full = await mk('full', { capacity: 0 });
    const polish = await mk('polish', { languages: ['pl'] });
    const away = await mk('away', { outOfOffice: [{ from: '2026-11-20T00:00:00Z', to: '2026-11-30T00:00:00Z' }] });
    let n = 0;
    const route = async (over: Partial<RouteLeadRequest>) => {
      const leadId = `RR${++n}`;
      await db.lead.create({ data: { id: leadId, email: `${leadId}@x.test`, locale: 'en', source: 'web_form', workflowId: `lead-${leadId}`, stage: 'sql' } });
      return createRoutingActivities({ db, signal: async () => undefined }).routeLead({ leadId, temperature: 'hot', locale: 'en', exclude: [], now: NOW, ...over });
    };

    // Without a task, a hot lead goes to the best tier.
    expect(await route({})).toMatchObject({ assigned: true, managerId: top });
    // With one, its manager is offered the lead though ranked lower, and the reason says why.
    const held = await route({ prefer: holder });
    expect(held).toMatchObject({ assigned: true, managerId: holder, managerEmail: 'holder@sales.test' });
    expect(held.assigned && held.reason).toMatch(/^holds the lead's re-contact task; hot lead/);
    expect(await db.assignment.findFirst({ where: { leadId: `RR${n}` } })).toMatchObject({ managerId: holder, status: 'offered', reason: expect.stringMatching(/re-contact task/) });
    // The task's manager preferred when it also ranks first: same manager, reason still says why.
    const first = await route({ prefer: top });
    expect(first).toMatchObject({ assigned: true, managerId: top, reason: expect.stringMatching(/^holds the lead's re-contact task/) });

    // Not eligible (full, does not speak the lead's language, away, already missed this lead's SLA):
    // the ranking decides, no preference in the reason.
    for (const [prefer, exclude] of [[full, []], [polish, []], [away, []], [holder, [holder]]] as const) {
      const r = await route({ prefer, exclude: [...exclude] });
      expect(r).toMatchObject({ assigned: true, managerId: top });
      expect(r.assigned && r.reason).not.toMatch(/re-contact/);
    }
    // An unknown id is ignored the same way.
    expect(await route({ prefer: 'gone' })).toMatchObject({ assigned: true, managerId: top });
    expect((await db.manager.findUniqueOrThrow({ where: { id: holder } })).openLeads).toBe(1);
  });
});
