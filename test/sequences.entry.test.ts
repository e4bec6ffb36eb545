// Entry rules end to end: leads arriving the normal way (signal-with-start, in-memory activities)
// land in the sequence their stage and temperature call for, and one sequence hands over to the
// next (farewell -> deferred keep-in-touch) without anyone choosing.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { fakeWorld, type FakeWorld } from './support/fake-activities';
import { baseProfile, settled, signalLead, startWorkers, useTimeSkippingEnv } from './support/lead-harness';
import { leadEventSignal, stateQuery, type LeadView } from '../workflows/lead/messages';

const DAY = 86_400_000;
let env: TestWorkflowEnvironment;
let n = 0;
const queue = (): string => `seq-entry-${process.pid}-${++n}`;

useTimeSkippingEnv((e) => (env = e));

/**
 * The lead's state once `ok` holds, polled in real time (bounded): the test server may stop its
 * clock before a busy worker has finished, so one fixed sleep is not enough on a loaded machine.
 */
const until = (h: { query(q: typeof stateQuery): Promise<LeadView> }, ok: (v: LeadView) => boolean): Promise<LeadView> => settled(h, ok, 'the lead state the test expects', { withinMs: 60_000, everyMs: 50 });

const enteredBy = (w: FakeWorld, leadId: string): string[] =>
  w.events.filter((e) => e.leadId === leadId && e.type === 'sequence_entered').map((e) => String((e.payload as { sequence: string }).sequence));
const mailsTo = (w: FakeWorld, leadId: string): string[] => w.mails.filter((m) => m.leadId === leadId && !m.to).map((m) => m.template);

test('a cold lead from a blog visit enters cold-education', async () => {
  const w = fakeWorld();
  const tq = queue();
  const workers = await startWorkers(env, tq, w.activities);
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'E-cold', baseProfile(), { id: 'e1', type: 'page_viewed', data: { url: '/blog/x' } });
    expect((await until(h, () => enteredBy(w, 'E-cold').length > 0 && mailsTo(w, 'E-cold').length > 0)).sequence?.id).toBe('cold-education');
  });
  expect(enteredBy(w, 'E-cold')).toEqual(['cold-education']);
  expect(mailsTo(w, 'E-cold')).toEqual(['cold-ebook']);
});

test('a warm lead (pricing page on the first visit) enters warm-consideration', async () => {
  const w = fakeWorld();
  const tq = queue();
  const workers = await startWorkers(env, tq, w.activities);
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'E-warm', baseProfile(), { id: 'e1', type: 'page_viewed', data: { url: '/pricing' } });
    const v = await until(h, () => enteredBy(w, 'E-warm').length > 0 && mailsTo(w, 'E-warm').length > 0);
    expect(v.temperature).toBe('warm');
    expect(v.sequence?.id).toBe('warm-consideration');
  });
  expect(enteredBy(w, 'E-warm')).toEqual(['warm-consideration']);
  expect(mailsTo(w, 'E-warm')).toEqual(['warm-case-study']);
});

test('a hot lead (a CEO who books a demo) takes the fast track and reaches sales the same day', async () => {
  const w = fakeWorld();
  const tq = queue();
  const workers = await startWorkers(env, tq, w.activities);
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'E-hot', baseProfile({ jobTitle: 'CEO', companySize: 5000, phone: '+48 22 000 00 00' }), { id: 'e1', type: 'demo_booked' });
    const v = await until(h, (x) => x.stage === 'handed_off' && enteredBy(w, 'E-hot').length > 0);
    expect(v.temperature).toBe('hot');
    expect(v.stage).toBe('handed_off');
  });
  expect(enteredBy(w, 'E-hot')).toEqual(['hot-fast-track']);
  expect(mailsTo(w, 'E-hot')).toEqual(['hot-fast-track']);
  expect(w.mails.some((m) => m.leadId === 'E-hot' && m.template === 'manager-new-lead')).toBe(true);
});

test('a rejected lead gets the farewell, then moves on to the deferred keep-in-touch by itself', async () => {
  const passUntil = async (ok: () => boolean): Promise<void> => {
    for (let i = 0; i < 60 && !ok(); i++) await env.sleep(1000);
    expect(ok()).toBe(true);
  };
  const w = fakeWorld();
  const tq = queue();
  const workers = await startWorkers(env, tq, w.activities);
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'E-no', baseProfile(), { id: 'e1', type: 'page_viewed', data: { url: '/blog/x' } });
    await passUntil(() => enteredBy(w, 'E-no').length === 1 && mailsTo(w, 'E-no').length === 1);
    // Sales says no (the CRM's event; the same rejection as the `reject` update).
    await h.signal(leadEventSignal, { id: 'e2', type: 'sales_rejected', data: { reason: 'no_budget' } });
    await passUntil(() => mailsTo(w, 'E-no').includes('farewell'));
    await env.sleep(8 * DAY); // the survey reminder goes out after 7 days without an answer
    const v = await until(h, (x) => x.sequence?.id === 'deferred-keep-in-touch' && enteredBy(w, 'E-no').length === 3);
    expect(v.stage).toBe('deferred');
    expect(v.sequence?.id).toBe('deferred-keep-in-touch');
  });
  expect(enteredBy(w, 'E-no')).toEqual(['cold-education', 'farewell-survey', 'deferred-keep-in-touch']);
  // The cold drip stops at the rejection: no blog digest after the farewell.
  expect(mailsTo(w, 'E-no')).toEqual(['cold-ebook', 'farewell', 'farewell-survey-reminder']);
});
