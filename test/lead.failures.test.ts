// A lead never dies of one failure. For each activity the lead workflow calls, a non-retryable
// failure is injected once: the workflow keeps running, its `state` names the failure, and the next
// step happens. Database calls that keep failing put the lead in `attention` (LeadAttention search
// attribute) until a timer or ops' retryNow; then it resumes by itself.
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import type { LeadActivities } from '../workflows/activity-contract';
import type { EffectName } from '../workflows/lead/effects';
import { acceptAssignmentUpdate, convertToClientUpdate, leadEventSignal, recordOutcomeUpdate, rejectUpdate, retryNowSignal, stateQuery, type LeadView } from '../workflows/lead/messages';
import { LeadAttention } from '../workflows/search-attributes';
import type { LeadProfile } from '../workflows/types';
import { fakeWorld, type FakeWorld } from './support/fake-activities';
import { baseProfile, passUntil, settled, signalLead, startWorkers, useTimeSkippingEnv } from './support/lead-harness';

const DAY = 86_400_000;
// Long workflow-time sleeps on a shared machine: the default two minutes are too tight here.
jest.setTimeout(300_000);
let env: TestWorkflowEnvironment;
useTimeSkippingEnv((e) => (env = e));
let n = 0;

/** A world whose `activity` fails once, for good (the first call, or the first `when` accepts). */
function failingOnce(activity: keyof LeadActivities, when: (args: unknown[]) => boolean = () => true): FakeWorld & { failed: () => boolean } {
  const w = fakeWorld();
  let done = false;
  w.fail = (name, args) => {
    if (done || name !== activity || !when(args)) return undefined;
    done = true;
    return ApplicationFailure.nonRetryable(`injected failure of ${activity}`, 'Injected');
  };
  return Object.assign(w, { failed: () => done });
}

async function run(w: FakeWorld, fn: (tq: string) => Promise<void>): Promise<void> {
  const tq = `failures-${process.pid}-${++n}`;
  const workers = await startWorkers(env, tq, w.activities);
  await workers.run(() => fn(tq));
}

const ceo = (over: Partial<LeadProfile> = {}): LeadProfile => baseProfile({ email: `ceo${n}@fail.test`, jobTitle: 'CEO', companySize: 300, ...over });

async function expectNamed(h: WorkflowHandle, activity: EffectName): Promise<LeadView> {
  const named = (x: LeadView): boolean => x.failures.some((f) => f.activity === activity);
  await passUntil(env, async () => named(await h.query(stateQuery)), `the failure of ${activity} in the state`);
  const v = await h.query(stateQuery);
  expect(v.failures.map((f) => [f.activity, f.reason])).toContainEqual([activity, `injected failure of ${activity}`]);
  expect((await h.describe()).status.name).toBe('RUNNING');
  return v;
}
const templates = (w: FakeWorld, leadId: string): string[] => w.mails.filter((m) => m.leadId === leadId).map((m) => m.template);

async function handedOff(tq: string, id: string): Promise<WorkflowHandle> {
  const h = await signalLead(env, tq, id, ceo(), { id: `${id}-1`, type: 'demo_booked' });
  await h.signal(leadEventSignal, { id: `${id}-2`, type: 'replied' });
  await passUntil(env, async () => (await h.query(stateQuery)).stage === 'handed_off', 'hand-off');
  return h;
}

test('sendEmail: the mail is skipped with its reason, the sequence goes on to its next mail', async () => {
  const w = failingOnce('sendEmail', ([req]) => (req as { template: string }).template === 'cold-ebook');
  await run(w, async (tq) => {
    const h = await signalLead(env, tq, 'F-mail', baseProfile({ email: 'mail@fail.test' }), { id: 'fm-1', type: 'page_viewed', data: { url: '/blog/a' } });
    await env.sleep(1000);
    const v = await expectNamed(h, 'sendEmail');
    expect(v.failures[0].outcome).toMatch(/skipped/);
    await env.sleep(8 * DAY);
    expect(templates(w, 'F-mail')).toEqual(['cold-blog-digest']);
  });
});

test('nextCalendarTime: the wait falls back to a fixed time, and the webinar invitation still goes', async () => {
  const w = failingOnce('nextCalendarTime');
  await run(w, async (tq) => {
    const h = await signalLead(env, tq, 'F-cal', baseProfile({ email: 'cal@fail.test' }), { id: 'fc-1', type: 'page_viewed', data: { url: '/blog/a' } });
    await env.sleep(16 * DAY);
    await expectNamed(h, 'nextCalendarTime');
    await env.sleep(3 * DAY);
    expect(templates(w, 'F-cal')).toEqual(['cold-ebook', 'cold-blog-digest', 'cold-webinar-invite']);
  });
});

test('persistLead: the batch is kept and written with the next one; the lead goes on', async () => {
  const w = failingOnce('persistLead');
  await run(w, async (tq) => {
    const h = await signalLead(env, tq, 'F-store', baseProfile({ email: 'store@fail.test' }), { id: 'fs-1', type: 'page_viewed', data: { url: '/blog/a' } });
    await env.sleep(1000);
    const v = await expectNamed(h, 'persistLead');
    expect(v.stage).toBe('nurturing');
    await env.sleep(5 * DAY); // the drip's next step writes, and the kept batch with it
    const types = w.events.filter((e) => e.leadId === 'F-store').map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['lead_created', 'stage_changed', 'sequence_entered', 'effect_failed']));
  });
});

test('routeLead: the routing loop tries again and the lead is handed off', async () => {
  const w = failingOnce('routeLead');
  await run(w, async (tq) => {
    const h = await signalLead(env, tq, 'F-route', ceo(), { id: 'fr-1', type: 'demo_booked' });
    await h.signal(leadEventSignal, { id: 'fr-2', type: 'replied' });
    await env.sleep(1000);
    const v = await expectNamed(h, 'routeLead');
    expect(v.stage).toBe('sql');
    await env.sleep(16 * 60_000);
    // The workflow task after the last activity may still run when the sleep returns: wait for it (bounded).
    await settled(h, (x) => x.stage === 'handed_off', 'hand-off');
  });
});

test('closeAssignment: recorded, and the lead goes on to its outcome', async () => {
  const w = failingOnce('closeAssignment');
  await run(w, async (tq) => {
    const h = await handedOff(tq, 'F-close');
    const owner = (await h.query(stateQuery)).owner!;
    await h.executeUpdate(acceptAssignmentUpdate, { args: [{ managerId: owner }] });
    await env.sleep(1000);
    await expectNamed(h, 'closeAssignment');
    const v = await h.executeUpdate(recordOutcomeUpdate, { args: [{ managerId: owner, outcome: 'lost', reason: 'no_budget' }] });
    expect(v.stage).toBe('rejected');
    // The farewell mail is on its way: let it land (a pending task would hold the test server's clock).
    await passUntil(env, () => templates(w, 'F-close').includes('farewell'), 'the farewell mail');
  });
});

test('createClient: the update answers with the failure named; the next conversion makes the client', async () => {
  const w = failingOnce('createClient');
  await run(w, async (tq) => {
    const h = await handedOff(tq, 'F-client');
    const owner = (await h.query(stateQuery)).owner!;
    await h.executeUpdate(acceptAssignmentUpdate, { args: [{ managerId: owner }] });
    const v = await h.executeUpdate(recordOutcomeUpdate, { args: [{ managerId: owner, outcome: 'won', deal: { dealValue: 100, grossMargin: 50, currency: 'EUR' } }] });
    expect(v.stage).toBe('handed_off');
    await expectNamed(h, 'createClient');
    const again = await h.executeUpdate(convertToClientUpdate, { args: [{ dealValue: 100, grossMargin: 50, currency: 'EUR' }] });
    expect(again.stage).toBe('client');
  });
});

test('nextHoliday: recorded, the farewell goes on and the lead reaches the deferred base', async () => {
  const w = failingOnce('nextHoliday');
  await run(w, async (tq) => {
    const h = await signalLead(env, tq, 'F-hol', baseProfile({ email: 'hol@fail.test' }), { id: 'fh-1', type: 'page_viewed', data: { url: '/blog/a' } });
    await env.sleep(1000);
    await h.executeUpdate(rejectUpdate, { args: [{ reason: 'no_budget', by: 'sales' }] });
    await env.sleep(1000);
    await expectNamed(h, 'nextHoliday');
    await env.sleep(8 * DAY);
    await settled(h, (x) => x.stage === 'deferred', 'deferred');
    expect(templates(w, 'F-hol')).toEqual(expect.arrayContaining(['farewell', 'farewell-survey-reminder']));
  });
});

test('createRecontactTask: recorded, and the re-qualified lead goes back to nurturing without a task', async () => {
  const w = failingOnce('createRecontactTask');
  await run(w, async (tq) => {
    const h = await signalLead(env, tq, 'F-task', baseProfile({ email: 'task@fail.test' }), { id: 'ft-1', type: 'page_viewed', data: { url: '/blog/a' } });
    await env.sleep(1000);
    await h.executeUpdate(rejectUpdate, { args: [{ reason: 'no_budget', by: 'sales' }] });
    await h.signal(leadEventSignal, { id: 'ft-survey', type: 'survey_answered', data: { reason: 'bad_timing', timing: 'in_3_months', revisitMonths: 3 } });
    await env.sleep(100 * DAY);
    const v = await expectNamed(h, 'createRecontactTask');
    expect(v.stage).toBe('nurturing');
    expect(w.tasks).toEqual([]);
  });
});

test('currentScoringRules: the lead waits in attention, then loads them on its timer and goes on', async () => {
  const w = failingOnce('currentScoringRules');
  await run(w, async (tq) => {
    const h = await signalLead(env, tq, 'F-rules', baseProfile({ email: 'rules@fail.test' }), { id: 'fru-1', type: 'page_viewed', data: { url: '/blog/a' } });
    await env.sleep(1000);
    const v = await expectNamed(h, 'currentScoringRules');
    expect(v.attention).toMatchObject({ kind: 'db', activity: 'currentScoringRules' });
    await env.sleep(6 * 60_000);
    const after = await settled(h, (x) => x.attention === null, 'the attention cleared');
    expect(after.stage).toBe('nurturing');
    expect(after.content.rules?.version).toBe(1);
  });
});

test('chooseSequence: no sequence for now; when the lead moves on it is asked again and enters one', async () => {
  const w = failingOnce('chooseSequence');
  await run(w, async (tq) => {
    const h = await signalLead(env, tq, 'F-choose', baseProfile({ email: 'choose@fail.test' }), { id: 'fch-1', type: 'page_viewed', data: { url: '/blog/a' } });
    await env.sleep(1000);
    const v = await expectNamed(h, 'chooseSequence');
    expect(v.sequence).toBeNull();
    await h.signal(leadEventSignal, { id: 'fch-2', type: 'page_viewed', data: { url: '/pricing' } });
    await h.signal(leadEventSignal, { id: 'fch-3', type: 'document_downloaded' });
    await env.sleep(1000);
    await settled(h, (x) => x.sequence?.id === 'warm-consideration', 'warm-consideration entered');
  });
});

test('sequenceMigration: the lead stays on its version and the sequence goes on', async () => {
  const w = failingOnce('sequenceMigration');
  await run(w, async (tq) => {
    const h = await signalLead(env, tq, 'F-mig', baseProfile({ email: 'mig@fail.test' }), { id: 'fmi-1', type: 'page_viewed', data: { url: '/blog/a' } });
    await env.sleep(8 * DAY);
    await expectNamed(h, 'sequenceMigration');
    expect(templates(w, 'F-mig')).toEqual(['cold-ebook', 'cold-blog-digest']);
  });
});

test('a database that keeps failing: bounded retries, then attention (LeadAttention = "db"), resumed by ops or by itself', async () => {
  const w = fakeWorld();
  let down = true;
  w.fail = (name) => (down && name === 'routeLead' ? new Error('connection refused') : undefined);
  await run(w, async (tq) => {
    const h = await signalLead(env, tq, 'F-db', ceo(), { id: 'fdb-1', type: 'demo_booked' });
    await h.signal(leadEventSignal, { id: 'fdb-2', type: 'replied' });
    await passUntil(env, async () => (await h.query(stateQuery)).attention !== null, 'attention');
    const v = await h.query(stateQuery);
    expect(v.attention).toMatchObject({ kind: 'db', activity: 'routeLead', reason: 'connection refused', attempts: 1 });
    expect((await h.describe()).typedSearchAttributes.get(LeadAttention)).toBe('db');
    // Still down at the timer: a longer wait.
    await env.sleep(5 * 60_000 + 60_000);
    await settled(h, (x) => x.attention?.attempts === 2, 'the second attempt in attention');
    // Ops fixed it and say so: the lead tries at once and goes on.
    down = false;
    await h.signal(retryNowSignal, { reason: 'db back' });
    await passUntil(env, async () => (await h.query(stateQuery)).stage === 'handed_off', 'hand-off after retryNow');
    expect((await h.query(stateQuery)).attention).toBeNull();
    expect((await h.describe()).typedSearchAttributes.get(LeadAttention)).toBeUndefined();
  });
});
