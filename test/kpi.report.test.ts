// KPI numbers against a fixture computed by hand, on PostgreSQL.
import { computeKpis, kpiRangeSchema } from '../domain/kpi/report';
import { createTestDb, type TestDb } from './helpers/db';
import { KPI_EXPECTED, KPI_RANGE, rounded, seedKpiFixture } from './support/kpi-fixture';

describe('KPI report', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
    await seedKpiFixture(t.db);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  test('every figure matches the hand-computed fixture', async () => {
    const { generatedAt, ...report } = await computeKpis(t.db, kpiRangeSchema.parse(KPI_RANGE));
    expect(Date.parse(generatedAt)).not.toBeNaN();
    expect(rounded(report)).toEqual(rounded(KPI_EXPECTED));
  });

  test('a range with nothing in it gives zeros and no rates, not errors', async () => {
    const r = await computeKpis(t.db, kpiRangeSchema.parse({ from: '2020-01-01', to: '2020-01-31' }));
    expect(r.leads).toEqual({ total: 0, bySourceAndChannel: [] });
    expect(r.funnel.total).toMatchObject({ leads: 0, mql: 0, leadToMql: null, leadToClient: null });
    expect(r.campaigns.rows).toEqual([]);
    expect(r.salesCycle).toEqual({ overall: { month: 'all', clients: 0, medianDays: null, p90Days: null }, byMonth: [] });
    // Active managers are listed with zeros; the inactive idle ones are not.
    expect(r.managers.map((m) => [m.name, m.received, m.conversion])).toEqual([['Anna', 0, null], ['Bob', 0, null], ['Eve', 0, null]]);
    expect(r.rejections).toEqual({ total: 0, byReason: [] });
    expect(r.surveyAnswers).toEqual({ reason: [], timing: [], budget: [] });
    expect(r.emails).toEqual({ greetingsSent: 0, offersSent: 0, sentByTemplate: [] });
    expect(r.requalified).toEqual({ leads: 0, wonBack: 0 });
  });

  test('date-times bound the range exactly (half-open)', async () => {
    // l5 was won at 04-05 12:00: inside [.., 12:00:00.001), outside [.., 12:00).
    const upTo = (to: string) => computeKpis(t.db, kpiRangeSchema.parse({ from: '2026-04-01T00:00:00Z', to }));
    expect((await upTo('2026-04-05T12:00:00.001Z')).salesCycle.overall).toEqual({ month: 'all', clients: 1, medianDays: 4.5, p90Days: 4.5 });
    expect((await upTo('2026-04-05T12:00:00Z')).salesCycle.overall.clients).toBe(0);
  });
});

describe('range input', () => {
  const issues = (input: unknown) => {
    const r = kpiRangeSchema.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  test('dates, date-times and defaults', () => {
    expect(kpiRangeSchema.parse({ from: '2026-03-01', to: '2026-03-31' })).toEqual({ from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') });
    expect(kpiRangeSchema.parse({ from: '2026-03-01T10:00:00+02:00', to: '2026-03-01T12:00:00Z' })).toEqual({ from: new Date('2026-03-01T08:00:00Z'), to: new Date('2026-03-01T12:00:00Z') });
    const d = kpiRangeSchema.parse({});
    expect(d.to.getTime() - d.from.getTime()).toBe(90 * 86_400_000);
    expect(d.to.getTime()).toBeGreaterThan(Date.now());
  });
  test('bad input names the field', () => {
    expect(issues({ from: '2026-13-01' })).toEqual([expect.stringMatching(/^from: must be a date/)]);
    expect(issues({ from: '2026-03-01', to: 'yesterday' })).toEqual([expect.stringMatching(/^to: must be a date/)]);
    expect(issues({ from: '2026-03-02', to: '2026-03-01' })).toEqual(['to: must be after from']);
    expect(issues({ from: '2000-01-01', to: '2026-03-01' })).toEqual([expect.stringMatching(/^from: must be at most/)]);
  });
});
