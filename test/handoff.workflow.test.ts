// The hand-off to sales on the time-skipping server with the REAL routing, lead-store and client
// activities on PostgreSQL (only mail, calendar and holidays are in-memory): SLA deadlines in working
// hours, misses recorded and escalated, acceptance, won -> a linked client readable with its
// history, lost -> the farewell flow, and a queued lead routed the moment a slot frees.
// (test/workflow.lifecycle.test.ts covers the same stages with in-memory routing.)
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createClientActivities, clientWithHistory } from '../activities/leads/clients';
import { createLeadStoreActivities } from '../activities/leads/lead-store';
import { createRoutingActivities } from '../activities/sales/routing';
import { addWorkingMinutes, SLA_WORKING_MINUTES } from '../domain/sales/routing';
import type { LeadActivities } from '../workflows/activity-contract';
import { acceptAssignmentUpdate, leadEventSignal, recordOutcomeUpdate, stateQuery, type LeadView } from '../workflows/lead/messages';
import { LeadQueue } from '../workflows/search-attributes';
import { createTestDb, type TestDb } from './helpers/db';
import { fakeWorld, type FakeWorld } from './support/fake-activities';
import { baseProfile, signalLead, startWorkers, useTimeSkippingEnv } from './support/lead-harness';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const hours = { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };
let env: TestWorkflowEnvironment;
let t: TestDb;
let n = 0;

useTimeSkippingEnv((e) => (env = e));
beforeAll(async () => {
  t = await createTestDb();
}, 120_000);
beforeEach(async () => {
  for (const table of [t.db.assignment, t.db.client, t.db.leadEvent, t.db.lead, t.db.manager] as { deleteMany(): Promise<unknown> }[]) await table.deleteMany();
});
afterAll(async () => {
  await t?.cleanup();
});

/** The real database activities over the in-memory world (mail, calendar, holidays). */
function world(): { w: FakeWorld; activities: LeadActivities } {
  const w = fakeWorld();
  const routing = createRoutingActivities({ db: t.db });
  return {
    w,
    activities: {
      ...w.activities,
      ...createLeadStoreActivities({ db: t.db }),
      ...createClientActivities({ db: t.db }),
      routeLead: routing.routeLead,
      closeAssignment: routing.closeAssignment,
    },
  };
}

async function manager(name: string, over: { tier?: number; conversionRate?: number; capacity?: number; isHeadOfSales?: boolean } = {}): Promise<{ id: string; email: string }> {
  return t.db.manager.create({
    data: { name, email: `${name.toLowerCase()}@sales.test`, languages: ['pl', 'en'], regions: [], tier: 1, conversionRate: 0.2, capacity: 5, timezone: 'Europe/Warsaw', workingHours: hours, outOfOffice: [], ...over },
    select: { id: true, email: true },
  });
}

/** A lead row (as intake writes it) and its workflow, made hot: demo booked and a reply from a CEO. */
async function hotLead(tq: string, id: string) {
  const profile = baseProfile({ email: `${id}@acme.test`, jobTitle: 'CEO' });
  await t.db.lead.create({ data: { id, email: profile.email, source: profile.source, workflowId: `lead-${id}`, locale: profile.locale, timezone: profile.timezone, country: profile.country ?? null, company: profile.company ?? null } });
  const h = await signalLead(env, tq, id, profile, { id: `${id}-demo`, type: 'demo_booked' });
  await h.signal(leadEventSignal, { id: `${id}-reply`, type: 'replied' });
  return h;
}

/** Skips time in small steps until the lead's state satisfies `ok` (at most `limitMs` of workflow time). */
async function until(h: Awaited<ReturnType<typeof hotLead>>, ok: (v: LeadView) => boolean, limitMs = 60_000): Promise<LeadView> {
  for (let waited = 0; ; waited += 1000) {
    const v = await h.query(stateQuery);
    if (ok(v)) return v;
    if (waited >= limitMs) throw new Error(`lead ${v.leadId} still ${v.stage} (owner ${v.owner}, queue ${v.queue}) after ${limitMs} ms`);
    await env.sleep(1000);
  }
}

const eventTypes = async (leadId: string): Promise<string[]> => (await t.db.leadEvent.findMany({ where: { leadId }, orderBy: { occurredAt: 'asc' } })).map((e) => e.type);

test('an SLA miss in working hours re-routes and frees the load; the second miss escalates to the head of sales; every miss is recorded', async () => {
  const { w, activities } = world();
  const top = await manager('Top', { conversionRate: 0.4 });
  const second = await manager('Second', { conversionRate: 0.3 });
  const third = await manager('Third', { tier: 2 });
  await manager('Head', { isHeadOfSales: true, capacity: 0 });
  const tq = `handoff-${process.pid}-${++n}`;
  const workers = await startWorkers(env, tq, activities);
  await workers.run(async () => {
    const h = await hotLead(tq, 'sla1');
    let v = await until(h, (x) => x.stage === 'handed_off');
    expect(v.owner).toBe(top.id);
    const first = await t.db.assignment.findFirstOrThrow({ where: { leadId: 'sla1' } });
    // The deadline is 2 working hours in the manager's hours and zone, from the offer.
    expect(first.dueAt).toEqual(addWorkingMinutes(first.assignedAt, SLA_WORKING_MINUTES.hot, hours, 'Europe/Warsaw'));
    expect(w.mails.find((m) => m.template === 'manager-new-lead')?.to).toBe(top.email);

    // A minute before the deadline nothing has moved.
    await env.sleep(first.dueAt!.getTime() - Number(await env.currentTimeMs()) - 60_000);
    expect((await h.query(stateQuery)).owner).toBe(top.id);

    // Past it: the next manager; the first one's slot is free again.
    await env.sleep(2 * 60_000);
    v = await until(h, (x) => x.owner === second.id);
    expect(v.stage).toBe('handed_off');
    expect(await t.db.manager.findUniqueOrThrow({ where: { id: top.id } })).toMatchObject({ openLeads: 0 });
    expect(w.mails.filter((m) => m.template === 'sales-escalation')).toHaveLength(0);

    const secondOffer = await t.db.assignment.findFirstOrThrow({ where: { leadId: 'sla1', managerId: second.id } });
    await env.sleep(secondOffer.dueAt!.getTime() - Number(await env.currentTimeMs()) + 60_000);
    await until(h, (x) => x.owner === third.id);
    const escalations = w.mails.filter((m) => m.template === 'sales-escalation');
    expect(escalations).toHaveLength(1);
    expect(escalations[0].to).toBe('head-of-sales');
    // The real recipient resolution picks the active head of sales.
    expect(await createRoutingActivities({ db: t.db }).resolveRecipient('head-of-sales')).toBe('head@sales.test');

    // The KPI report reads the misses from the database.
    const offers = await t.db.assignment.findMany({ where: { leadId: 'sla1' }, orderBy: { assignedAt: 'asc' } });
    expect(offers.map((a) => [a.managerId, a.status])).toEqual([
      [top.id, 'missed'],
      [second.id, 'missed'],
      [third.id, 'offered'],
    ]);
    const types = await eventTypes('sla1');
    expect(types.filter((x) => x === 'sla_missed')).toHaveLength(2);
    expect(types.filter((x) => x === 'escalated')).toHaveLength(1);
    const managers = await t.db.manager.findMany({ orderBy: { name: 'asc' } });
    expect(managers.map((m) => [m.name, m.openLeads])).toEqual([['Head', 0], ['Second', 0], ['Third', 1], ['Top', 0]]);
  });
});

test('accepted within the SLA, then won: a client linked to the lead, its history readable from the client, no nurture mail after', async () => {
  const { w, activities } = world();
  const anna = await manager('Anna');
  const tq = `handoff-${process.pid}-${++n}`;
  const workers = await startWorkers(env, tq, activities);
  await workers.run(async () => {
    const h = await hotLead(tq, 'won1');
    await until(h, (x) => x.stage === 'handed_off');
    await env.sleep(10 * 60_000);
    await h.executeUpdate(acceptAssignmentUpdate, { args: [{ managerId: anna.id }] });
    await until(h, (x) => x.owner === anna.id);
    // Accepted in time: no SLA miss even long after the deadline.
    await env.sleep(3 * DAY);
    const accepted = await t.db.assignment.findFirstOrThrow({ where: { leadId: 'won1' } });
    expect(accepted).toMatchObject({ status: 'accepted', managerId: anna.id });
    expect(accepted.acceptedAt).not.toBeNull();
    const acceptedEvent = await t.db.leadEvent.findFirstOrThrow({ where: { leadId: 'won1', type: 'assignment_accepted' } });
    expect(acceptedEvent.payload).toMatchObject({ managerId: anna.id, withinSla: true });

    const v = await h.executeUpdate(recordOutcomeUpdate, { args: [{ managerId: anna.id, outcome: 'won', deal: { dealValue: 24000, grossMargin: 9000, currency: 'EUR' } }] });
    expect(v.stage).toBe('client');
    const result = await h.result();
    expect(result.stage).toBe('client');

    const client = await clientWithHistory(t.db, result.clientId!);
    expect(client).toMatchObject({ leadId: 'won1', email: 'won1@acme.test', companyName: 'Acme', dealValue: 24000, grossMargin: 9000, currency: 'EUR', managerId: anna.id });
    expect(client.manager?.name).toBe('Anna');
    expect(client.lead.stage).toBe('client');
    const history = client.lead.events.map((e) => e.type);
    expect(history).toEqual(expect.arrayContaining(['lead_created', 'assigned', 'assignment_accepted', 'client_created']));
    expect(history.indexOf('assigned')).toBeLessThan(history.indexOf('client_created'));
    expect(await t.db.assignment.findFirstOrThrow({ where: { leadId: 'won1' } })).toMatchObject({ status: 'won' });
    expect(await t.db.manager.findUniqueOrThrow({ where: { id: anna.id } })).toMatchObject({ openLeads: 0 });

    const mailsAtWin = w.mails.length;
    await env.sleep(60 * DAY);
    expect(w.mails.slice(mailsAtWin)).toEqual([]);
  });
});

test('lost starts the farewell flow, and the freed slot routes the queued lead at once (not at its retry)', async () => {
  const { w, activities } = world();
  const solo = await manager('Solo', { capacity: 1 });
  const tq = `handoff-${process.pid}-${++n}`;
  const workers = await startWorkers(env, tq, activities);
  await workers.run(async () => {
    const first = await hotLead(tq, 'lost1');
    await until(first, (x) => x.stage === 'handed_off' && x.owner === solo.id);

    // Solo is full: the second lead waits in the visible queue.
    const waiting = await hotLead(tq, 'queued1');
    let q = await until(waiting, (x) => x.queue === 'awaiting_manager');
    expect(q.stage).toBe('sql');
    expect(q.nextWakeReason).toBe('retry routing (no manager free)');
    const retryAt = Date.parse(q.nextWakeAt!);
    expect((await waiting.describe()).typedSearchAttributes.get(LeadQueue)).toBe('awaiting_manager');
    expect(await t.db.lead.findUniqueOrThrow({ where: { id: 'queued1' } })).toMatchObject({ stage: 'sql', ownerId: null });
    expect(await eventTypes('queued1')).toContain('queued_for_manager');

    await first.executeUpdate(acceptAssignmentUpdate, { args: [{ managerId: solo.id }] });
    const lost = await first.executeUpdate(recordOutcomeUpdate, { args: [{ managerId: solo.id, outcome: 'lost', reason: 'no_budget', noteId: 'note-1' }] });
    expect(lost.stage).toBe('rejected');
    expect(lost.rejection).toMatchObject({ reason: 'no_budget', by: 'sales' });

    // The closed assignment freed Solo's slot and woke the queue: routed well before the retry.
    q = await until(waiting, (x) => x.stage === 'handed_off');
    expect(q.owner).toBe(solo.id);
    expect(Number(await env.currentTimeMs())).toBeLessThan(retryAt);
    expect((await waiting.describe()).typedSearchAttributes.get(LeadQueue)).toBeUndefined();

    await until(first, () => w.mails.some((m) => m.leadId === 'lost1' && m.template === 'farewell'));
    expect(await t.db.assignment.findFirstOrThrow({ where: { leadId: 'lost1' } })).toMatchObject({ status: 'lost' });
    expect(await t.db.lead.findUniqueOrThrow({ where: { id: 'lost1' } })).toMatchObject({ stage: 'rejected' });
    expect(await t.db.manager.findUniqueOrThrow({ where: { id: solo.id } })).toMatchObject({ openLeads: 1 });
  });
});

test('when every manager who could take a lead has missed its SLA, a new round starts instead of an endless queue', async () => {
  const { w, activities } = world();
  const solo = await manager('Only');
  await manager('Head', { isHeadOfSales: true, capacity: 0 });
  const tq = `handoff-${process.pid}-${++n}`;
  const workers = await startWorkers(env, tq, activities);
  await workers.run(async () => {
    const h = await hotLead(tq, 'round1');
    await until(h, (x) => x.stage === 'handed_off' && x.owner === solo.id);
    const first = await t.db.assignment.findFirstOrThrow({ where: { leadId: 'round1' } });
    // Past the deadline: nobody else can take it, so it queues once, with the reason...
    await env.sleep(first.dueAt!.getTime() - Number(await env.currentTimeMs()) + 60_000);
    await until(h, (x) => x.queue === 'awaiting_manager');
    expect(await eventTypes('round1')).toEqual(expect.arrayContaining(['sla_missed', 'queued_for_manager', 'routing_round_restarted']));
    // ...and at its retry the same manager is asked again (a second offer, a second SLA).
    const v = await until(h, (x) => x.stage === 'handed_off', 20 * 60_000);
    expect(v.owner).toBe(solo.id);
    const offers = await t.db.assignment.findMany({ where: { leadId: 'round1' }, orderBy: { assignedAt: 'asc' } });
    expect(offers.map((a) => a.status)).toEqual(['missed', 'offered']);
    expect(w.mails.filter((m) => m.template === 'manager-new-lead')).toHaveLength(2);
  });
});
