// The lead lifecycle on the time-skipping test server, with in-memory activities: a two-year life
// from first touch to client, and the message semantics (dedup, signal-with-start, bad updates,
// continue-as-new).
import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { baseProfile, eventually, passUntil, settled, signalLead, startWorkers, useTimeSkippingEnv } from './support/lead-harness';
import { fakeWorld, type FakeWorld } from './support/fake-activities';
import {
  acceptAssignmentUpdate,
  convertToClientUpdate,
  leadEventSignal,
  recordBantUpdate,
  recordOutcomeUpdate,
  rejectUpdate,
  stateQuery,
  type LeadView,
} from '../workflows/lead/messages';
import { LeadStage, LeadTemperature, AssignedManager } from '../workflows/search-attributes';

const DAY = 86_400_000;
let env: TestWorkflowEnvironment;
let n = 0;
const queue = (): string => `lifecycle-${process.pid}-${++n}`;

useTimeSkippingEnv((e) => (env = e));

const stagesOf = (w: FakeWorld, leadId: string): string[] =>
  w.events.filter((e) => e.leadId === leadId && e.type === 'stage_changed').map((e) => e.stageTo!);

test('a two-year life: nurture, MQL, BANT, SQL, hand-off, rejected, farewell, deferred, greetings, re-qualified, client', async () => {
  const w = fakeWorld();
  const tq = queue();
  const t0 = Number(await env.currentTimeMs());
  w.holidays = [
    { key: 'PL:christmas', name: 'Boże Narodzenie', sendAt: new Date(t0 + 120 * DAY).toISOString() },
    { key: 'PL:easter', name: 'Wielkanoc', sendAt: new Date(t0 + 200 * DAY).toISOString() },
    { key: 'PL:new-year', name: 'Nowy Rok', sendAt: new Date(t0 + 290 * DAY).toISOString() },
  ];
  const workers = await startWorkers(env, tq, w.activities);
  const started = Date.now();
  await workers.run(async () => {
    const handle = await signalLead(env, tq, 'L1', baseProfile(), { id: 'ev-1', type: 'page_viewed', data: { url: '/blog/how-to' } });
    let v: LeadView = await handle.query(stateQuery);
    expect(v.stage).toBe('nurturing');
    expect(v.temperature).toBe('cold');
    expect(v.sequence?.id).toBe('cold-education');

    // A month of reading: the drip sends its first mails.
    await env.sleep(30 * DAY);
    await eventually(() => w.mails.some((m) => m.template === 'cold-blog-digest'), 'the blog digest');
    expect(w.mails.map((m) => m.template)).toEqual(expect.arrayContaining(['cold-ebook', 'cold-blog-digest']));

    // Interest: pricing page and a webinar -> MQL (warm: waits for BANT).
    await handle.signal(leadEventSignal, { id: 'ev-2', type: 'page_viewed', data: { url: 'https://acme.test/pricing' } });
    await handle.signal(leadEventSignal, { id: 'ev-3', type: 'webinar_attended' });
    await env.sleep(1000);
    v = await settled(handle, (x) => x.stage === 'mql', 'MQL');
    // The first blog view (1 point) has decayed below the fold line after a month: folded, not lost.
    expect(v.score.events.map((e) => e.type)).toEqual(['page_viewed', 'webinar_attended']);
    expect(v.score.foldedBehaviour).toBeGreaterThan(0.4);
    expect(v.score.events[0].points).toBe(12);

    // BANT all passed -> SQL -> routed to a manager at once.
    v = await handle.executeUpdate(recordBantUpdate, {
      args: [{ answers: { budget: { passed: true }, authority: { passed: true }, need: { passed: true }, timing: { passed: true, note: 'Q3' } } }],
    });
    expect(v.bantGap).toEqual([]); // the update answers with the new state
    await env.sleep(1000);
    v = await settled(handle, (x) => x.stage === 'handed_off', 'the hand-off');
    expect(v.owner).toBe('m1');
    await eventually(() => w.mails.some((m) => m.template === 'manager-new-lead'), "the manager's mail");
    expect(w.mails.find((m) => m.template === 'manager-new-lead')?.to).toBe('anna@sales.test');
    const desc = await handle.describe();
    expect(desc.typedSearchAttributes.get(LeadStage)).toBe('handed_off');
    expect(desc.typedSearchAttributes.get(AssignedManager)).toBe('m1');

    await handle.executeUpdate(acceptAssignmentUpdate, { args: [{ managerId: 'm1' }] });
    // Sales says no: lost, no budget -> farewell letter with the survey.
    v = await handle.executeUpdate(recordOutcomeUpdate, { args: [{ managerId: 'm1', outcome: 'lost', reason: 'no_budget', noteId: 'note-1' }] });
    expect(v.stage).toBe('rejected');
    await env.sleep(1000);
    await eventually(() => w.mails.some((m) => m.template === 'farewell'), 'the farewell');
    expect(w.mails.filter((m) => m.template === 'farewell')).toHaveLength(1);

    // The lead answers the survey: come back in 8 months.
    await handle.signal(leadEventSignal, { id: 'survey-1', type: 'survey_answered', data: { reason: 'no_budget', revisitMonths: 8 } });
    await env.sleep(1000);
    v = await settled(handle, (x) => x.stage === 'deferred', 'deferred');
    expect(v.rejection?.survey).toEqual({ reason: 'no_budget', revisitMonths: 8 });
    const requalifyAt = Date.parse(v.requalifyAt!);
    expect(requalifyAt - Date.parse(v.rejection!.at)).toBeGreaterThan(7.5 * 30 * DAY);
    expect(v.nextHoliday?.name).toBe('Boże Narodzenie');

    // Ten months in the deferred base: greetings once each, then re-qualification.
    await env.sleep(300 * DAY);
    v = await settled(handle, (x) => x.stage === 'nurturing', 're-qualification');
    const greetings = w.mails.filter((m) => m.template === 'holiday-greeting');
    // Nowy Rok (day 290) falls after re-qualification (~day 274): deferred leads only are greeted.
    expect(greetings.map((m) => m.variables.holiday)).toEqual(['Boże Narodzenie', 'Wielkanoc']);
    expect(new Set(greetings.map((m) => m.idempotencyKey)).size).toBe(2);
    expect(v.stage).toBe('nurturing'); // re-qualified: interest had decayed, so back to nurturing
    expect(w.events.some((e) => e.type === 'requalified')).toBe(true);

    // Months later it comes back hot: demo booked and a reply -> fast track -> won.
    await env.sleep(300 * DAY);
    await handle.signal(leadEventSignal, { id: 'ev-4', type: 'demo_booked' });
    await handle.signal(leadEventSignal, { id: 'ev-5', type: 'replied' });
    await handle.signal(leadEventSignal, { id: 'ev-6', type: 'page_viewed', data: { url: '/pricing' } });
    await env.sleep(1000);
    v = await settled(handle, (x) => x.stage === 'handed_off', 'the second hand-off');
    expect(v.temperature).toBe('hot');
    await eventually(() => w.mails.some((m) => m.template === 'hot-fast-track'), 'the fast-track mail');
    await handle.executeUpdate(acceptAssignmentUpdate, { args: [{ managerId: v.owner! }] });
    v = await handle.executeUpdate(recordOutcomeUpdate, {
      args: [{ managerId: v.owner!, outcome: 'won', deal: { dealValue: 12000, grossMargin: 7000, currency: 'EUR' } }],
    });
    expect(v.stage).toBe('client');
    expect(await handle.result()).toEqual({ stage: 'client', clientId: 'client-L1' });
  });
  const elapsed = Date.now() - started;
  console.log(`two-year lifecycle ran in ${elapsed} ms of wall time`);

  expect(stagesOf(w, 'L1')).toEqual([
    'nurturing', 'mql', 'sql', 'handed_off', 'rejected', 'deferred', 'nurturing', 'mql', 'sql', 'handed_off', 'client',
  ]);
  expect(w.clients).toEqual([{ leadId: 'L1', deal: expect.objectContaining({ dealValue: 12000, managerId: expect.any(String) }) }]);
  expect(w.assignments.map((a) => a.status)).toEqual(['lost', 'won']);
  // Every mail has a unique ledger key and none was sent twice.
  const keys = w.mails.map((m) => m.idempotencyKey);
  expect(new Set(keys).size).toBe(keys.length);
  // Nothing nurture-like after the lead became a client.
  const wonAt = Date.parse(w.events.find((e) => e.type === 'client_created')!.occurredAt);
  expect(w.events.filter((e) => e.type === 'sequence_send' && Date.parse(e.occurredAt) > wonAt)).toHaveLength(0);
});

test('duplicate signal ids count once; signal-with-start twice makes one workflow', async () => {
  const w = fakeWorld();
  const tq = queue();
  const workers = await startWorkers(env, tq, w.activities);
  await workers.run(async () => {
    const h1 = await signalLead(env, tq, 'L2', baseProfile({ email: 'dup@acme.test' }), { id: 'x1', type: 'email_clicked' });
    const h2 = await signalLead(env, tq, 'L2', baseProfile({ email: 'dup@acme.test' }), { id: 'x1', type: 'email_clicked' });
    await h2.signal(leadEventSignal, { id: 'x1', type: 'email_clicked' });
    await h2.signal(leadEventSignal, { id: 'x2', type: 'email_clicked' });
    expect(h1.signaledRunId).toBe(h2.signaledRunId);
    const v = await settled(h1, (x) => x.history.eventsReceived + x.history.duplicatesIgnored === 4, 'all four signals handled');
    expect(v.history.eventsReceived).toBe(2);
    expect(v.history.duplicatesIgnored).toBe(2);
    expect(v.score.events.map((e) => e.id)).toEqual(['x1', 'x2']);
    const { executions } = await env.client.workflowService.listOpenWorkflowExecutions({ namespace: 'default', executionFilter: { workflowId: 'lead-L2' } });
    expect(executions).toHaveLength(1);
  });
});

test('a bad update is rejected with a reason and changes nothing', async () => {
  const w = fakeWorld();
  const tq = queue();
  const workers = await startWorkers(env, tq, w.activities);
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'L3', baseProfile({ email: 'bad@acme.test' }), { id: 'b1', type: 'email_opened' });
    // The first drip step has run and the sequence waits at its next one: `before` is a resting state
    // (right after the mail the workflow may not have moved on yet).
    const before = await settled(h, (x) => w.mails.length > 0 && !!x.sequence?.waitingFor, 'the drip waiting after its first mail');
    const why = async (p: Promise<unknown>): Promise<string> => {
      const err = await p.then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      return (err as WorkflowUpdateFailedError).cause?.message ?? '';
    };
    expect(await why(h.executeUpdate(recordBantUpdate, { args: [{ answers: { budgett: { passed: true } } as never }] }))).toMatch(/answers.budgett: unknown BANT key/);
    expect(await why(h.executeUpdate(recordBantUpdate, { args: [{ answers: { budget: { passed: 'yes' } } as never }] }))).toMatch(/answers.budget.passed: must be true or false/);
    expect(await why(h.executeUpdate(rejectUpdate, { args: [{ reason: 'too_expensive' as never, by: 'sales' }] }))).toMatch(/reason: must be one of no_budget/);
    expect(await why(h.executeUpdate(acceptAssignmentUpdate, { args: [{ managerId: 'm1' }] }))).toMatch(/not handed off/);
    const after = await h.query(stateQuery);
    expect({ ...after, score: null }).toEqual({ ...before, score: null });
    expect(after.score.total).toBe(before.score.total);
  });
});

test('an SLA miss re-routes to the next manager; a second miss escalates to the head of sales', async () => {
  const w = fakeWorld();
  w.managers.push({ id: 'm3', email: 'cleo@sales.test' });
  const tq = queue();
  const workers = await startWorkers(env, tq, w.activities);
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'L4', baseProfile({ email: 'sla@acme.test', jobTitle: 'CEO' }), { id: 's1', type: 'demo_booked' });
    await h.signal(leadEventSignal, { id: 's2', type: 'replied' });
    await settled(h, (x) => x.owner === 'm1', 'routed to m1');
    await env.sleep(2 * 3_600_000 + 60_000);
    await settled(h, (x) => x.owner === 'm2', 're-routed to m2');
    await env.sleep(2 * 3_600_000 + 60_000);
    await settled(h, (x) => x.owner === 'm3', 'escalated to m3');
    await eventually(() => w.mails.some((m) => m.template === 'sales-escalation'), 'the escalation mail');
    expect(w.assignments.map((a) => a.status)).toEqual(['missed', 'missed', 'offered']);
    expect(w.mails.filter((m) => m.template === 'sales-escalation')).toHaveLength(1);
  });
});

test('a message that lands while the lead is busy sending is acted on at once, not at the next wake-up', async () => {
  const w = fakeWorld();
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let sending = 0;
  // The second drip mail: sent on a loop turn where the stage does not change.
  w.hold = (req) => {
    if (req.template !== 'cold-blog-digest') return undefined;
    sending += 1;
    return held;
  };
  const tq = queue();
  const workers = await startWorkers(env, tq, w.activities);
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'L6', baseProfile({ email: 'busy@acme.test' }), { id: 'k1', type: 'page_viewed', data: { url: '/blog' } });
    // E-book now, the digest a week later (no click): held in flight while the deal lands.
    await env.sleep(7 * DAY - 20_000);
    await passUntil(env, () => sending > 0, 'the digest in flight');
    const update = await h.startUpdate(convertToClientUpdate, { args: [{ dealValue: 1000, grossMargin: 300, currency: 'EUR' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
    release();
    // One second of workflow time, while the drip's next step is a week away: only an immediate
    // second turn of the loop converts the lead now.
    await env.sleep(1000);
    await settled(h, (x) => x.stage === 'client', 'client');
    expect((await update.result()).stage).toBe('client');
    expect(w.clients).toEqual([{ leadId: 'L6', deal: { dealValue: 1000, grossMargin: 300, currency: 'EUR' } }]);
    expect(w.mails.map((m) => m.template)).toEqual(['cold-ebook', 'cold-blog-digest']);
  });
});

test('continue-as-new keeps the state and loses no signal sent during the hand-over', async () => {
  const w = fakeWorld();
  const tq = queue();
  const workers = await startWorkers(env, tq, w.activities);
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'L5', baseProfile({ email: 'can@acme.test', jobTitle: 'Student', companySize: 1, industry: 'education' }), { id: 'c0', type: 'email_opened' });
    // 620 events: past MAX_EVENTS_PER_RUN (500), sent without waiting so some land mid hand-over.
    const sends: Promise<void>[] = [];
    for (let i = 1; i < 620; i++) sends.push(h.signal(leadEventSignal, { id: `c${i}`, type: 'email_opened' }));
    await Promise.all(sends);
    // Processing 620 signals takes real time on a loaded machine: wait for it, bounded.
    const v = await settled(h, (x) => x.history.eventsReceived >= 620 && x.history.runs >= 2, 'all 620 signals over two runs', { withinMs: 60_000, everyMs: 200 });
    expect(v.history.runs).toBeGreaterThanOrEqual(2);
    expect(v.history.eventsReceived).toBe(620);
    const desc = await h.describe();
    expect(desc.runId).not.toBe(h.signaledRunId);
    expect(desc.typedSearchAttributes.get(LeadTemperature)).toBe(v.temperature);
    expect(new Set(w.events.filter((e) => e.type === 'email_opened').map((e) => e.dedupKey)).size).toBe(620);
  });
});
