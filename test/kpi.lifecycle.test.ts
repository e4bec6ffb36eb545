// The KPI SQL on history the lead workflow really wrote: two leads run on the time-skipping server
// with the real database activities (LeadEvent history, lead snapshot, routing with Assignment rows,
// clients) on PostgreSQL; mail, calendar and tasks stay in memory. One lead is won through the hot
// track, the other is rejected, deferred, re-qualified half a year later and won back. Everything
// arrives as signals, the way sales tools and intake deliver it.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createClientActivities } from '../activities/leads/clients';
import { createLeadStoreActivities } from '../activities/leads/lead-store';
import { createRoutingActivities } from '../activities/sales/routing';
import { leadEventSignal, stateQuery } from '../workflows/lead/messages';
import { computeKpis, kpiRangeSchema } from '../domain/kpi/report';
import { createTestDb, type TestDb } from './helpers/db';
import { eventuallyValue } from './helpers/eventually';
import { createTimeSkippingEnv } from './helpers/temporal';
import { fakeWorld } from './support/fake-activities';
import { baseProfile, signalLead, startWorkers, terminateLeftovers } from './support/lead-harness';

const DAY = 86_400_000;

/** The real activities take real milliseconds: wait for the state (bounded) instead of a fixed sleep. */
async function waitForStage(handle: { query: (q: typeof stateQuery) => Promise<{ stage: string }> }, stage: string): Promise<void> {
  await eventuallyValue(() => handle.query(stateQuery), (v) => v.stage === stage, `stage ${stage}`, { everyMs: 100 });
}
let env: TestWorkflowEnvironment;
let t: TestDb;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  t = await createTestDb();
}, 120_000);
afterAll(async () => {
  await terminateLeftovers(env);
  await env?.teardown();
  await t?.cleanup();
});

test('KPIs read the history the workflow wrote: funnel, manager, rejection, re-qualification, won back', async () => {
  const { db } = t;
  const w = fakeWorld();
  const routing = createRoutingActivities({ db, signal: async () => undefined });
  const activities = { ...w.activities, ...createLeadStoreActivities({ db }), ...createClientActivities({ db }), routeLead: routing.routeLead, closeAssignment: routing.closeAssignment };
  const tq = `kpi-life-${process.pid}`;
  const t0 = Number(await env.currentTimeMs());
  await db.campaign.create({ data: { id: 'spring', name: 'Spring', channel: 'cpc', spend: 1000 } });
  await db.manager.create({ data: { id: 'anna', name: 'Anna', email: 'anna@sales.test', languages: [], regions: [], tier: 1, capacity: 5, workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' }, outOfOffice: [] } });
  const profiles = {
    hot: baseProfile({ email: 'hot@kpi.test', source: 'web_form', campaignId: 'spring' }),
    back: baseProfile({ email: 'back@kpi.test', source: 'chat' }),
  };
  for (const [id, p] of Object.entries(profiles)) {
    await db.lead.create({ data: { id, email: p.email, source: p.source, campaignId: p.campaignId ?? null, workflowId: `lead-${id}`, firstTouchAt: new Date(t0) } });
  }

  const workers = await startWorkers(env, tq, activities);
  await workers.run(async () => {
    // Hot: a demo booked, a reply and pricing -> MQL -> SQL -> offered to Anna, accepted, won.
    const hot = await signalLead(env, tq, 'hot', profiles.hot, { id: 'h1', type: 'demo_booked' });
    await hot.signal(leadEventSignal, { id: 'h2', type: 'replied' });
    await hot.signal(leadEventSignal, { id: 'h3', type: 'page_viewed', data: { url: '/pricing' } });
    await waitForStage(hot, 'handed_off');
    await hot.signal(leadEventSignal, { id: 'h4', type: 'deal_won', data: { dealValue: 9000, grossMargin: 4000, currency: 'EUR' } });
    await waitForStage(hot, 'client');

    // Back: rejected by sales (no budget) while nurturing, deferred, re-qualified after ~6 months, then won.
    const back = await signalLead(env, tq, 'back', profiles.back, { id: 'b1', type: 'page_viewed', data: { url: '/blog' } });
    await waitForStage(back, 'nurturing');
    await back.signal(leadEventSignal, { id: 'b2', type: 'sales_rejected', data: { reason: 'no_budget', note: 'frozen' } });
    await waitForStage(back, 'rejected');
    // The farewell sequence, the deferred base, then re-qualification (no_budget: after 6 months).
    await env.sleep(200 * DAY);
    await waitForStage(back, 'nurturing');
    await back.signal(leadEventSignal, { id: 'b3', type: 'deal_won', data: { dealValue: 3000, grossMargin: 1000, currency: 'EUR' } });
    await waitForStage(back, 'client');
  });

  // Workflow time ran ~200 days ahead; Client.wonAt is the activity's wall clock. Cover both.
  const r = await computeKpis(db, kpiRangeSchema.parse({ from: new Date(t0 - DAY).toISOString(), to: new Date(Math.max(Date.now(), t0) + 400 * DAY).toISOString() }));
  expect(r.leads.bySourceAndChannel).toEqual([
    { source: 'chat', channel: '(none)', leads: 1 },
    { source: 'web_form', channel: 'cpc', leads: 1 },
  ]);
  // Back went nurturing -> client (re-qualified into nurturing, then the deal): a client has passed
  // every earlier step, so the funnel stays monotonic.
  expect(r.funnel.total).toMatchObject({ leads: 2, mql: 2, sql: 2, clients: 2, leadToClient: 1 });
  expect(r.funnel.bySource.map((f) => [f.source, f.leads, f.mql, f.sql, f.clients])).toEqual([['chat', 1, 1, 1, 1], ['web_form', 1, 1, 1, 1]]);
  expect(r.campaigns.rows).toEqual([expect.objectContaining({ id: 'spring', spend: 1000, leads: 1, clients: 1, grossMargin: 4000, cpl: 1000, cpa: 1000, roi: 3 })]);
  expect(r.salesCycle.overall.clients).toBe(2);
  expect(r.managers).toEqual([expect.objectContaining({ name: 'Anna', received: 1, acceptedInSla: 0, missed: 0, won: 1, lost: 0, conversion: 1 })]);
  expect(r.rejections).toEqual({ total: 1, byReason: [{ key: 'no_budget', count: 1 }] });
  expect(r.requalified).toEqual({ leads: 1, wonBack: 1 });
}, 180_000);
