// Scripted lead lives, run against the real workflow with fake activities. scripts/record-histories.ts
// records their event histories into test/fixtures/histories/, which the replay test runs through
// the current workflow code: a change that would break running leads fails CI.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { acceptAssignmentUpdate, leadEventSignal, offerSignal, recordBantUpdate, recordOutcomeUpdate, rejectUpdate, stateQuery } from '../../workflows/lead/messages';
import type { FakeWorld } from './fake-activities';
import { baseProfile, signalLead } from './lead-harness';

const DAY = 86_400_000;

export interface Scenario {
  name: string;
  /** Plays the scenario; returns the workflow id whose history is recorded. */
  play(env: TestWorkflowEnvironment, taskQueue: string, world: FakeWorld): Promise<string>;
}

export const scenarios: Scenario[] = [
  {
    name: 'nurture-to-client',
    async play(env, tq) {
      const h = await signalLead(env, tq, 'R1', baseProfile({ email: 'r1@acme.test' }), { id: 'r1-1', type: 'page_viewed', data: { url: '/blog/a' } });
      await env.sleep(12 * DAY);
      await h.signal(leadEventSignal, { id: 'r1-2', type: 'page_viewed', data: { url: '/pricing' } });
      await h.signal(leadEventSignal, { id: 'r1-3', type: 'webinar_attended' });
      await env.sleep(1000);
      await h.executeUpdate(recordBantUpdate, { args: [{ answers: { budget: { passed: true }, authority: { passed: true }, need: { passed: true }, timing: { passed: true } } }] });
      await env.sleep(1000);
      const { owner } = await h.query(stateQuery);
      await h.executeUpdate(acceptAssignmentUpdate, { args: [{ managerId: owner! }] });
      await h.executeUpdate(recordOutcomeUpdate, { args: [{ managerId: owner!, outcome: 'won', deal: { dealValue: 5000, grossMargin: 2000, currency: 'EUR' } }] });
      await h.result();
      return h.workflowId;
    },
  },
  {
    name: 'rejected-deferred-requalified',
    async play(env, tq, world) {
      const t0 = Number(await env.currentTimeMs());
      world.holidays = [{ key: 'GR:easter', name: 'Πάσχα', sendAt: new Date(t0 + 60 * DAY).toISOString() }];
      const h = await signalLead(env, tq, 'R2', baseProfile({ email: 'r2@acme.test', jobTitle: 'CEO', country: 'GR', locale: 'el', timezone: 'Europe/Athens' }), { id: 'r2-1', type: 'demo_booked' });
      await h.signal(leadEventSignal, { id: 'r2-2', type: 'replied' });
      await env.sleep(1000);
      const { owner } = await h.query(stateQuery);
      await env.sleep(3 * 3_600_000); // SLA miss: re-routed
      const again = await h.query(stateQuery);
      await h.executeUpdate(acceptAssignmentUpdate, { args: [{ managerId: again.owner ?? owner! }] });
      await h.executeUpdate(recordOutcomeUpdate, { args: [{ managerId: again.owner ?? owner!, outcome: 'lost', reason: 'chose_competitor' }] });
      await env.sleep(8 * DAY); // survey reminder after 7 days, then deferred
      await env.sleep(400 * DAY); // greeting, keep-in-touch, re-qualification at 12 months
      return h.workflowId;
    },
  },
  {
    // After a "no": greeting looked up while rejected, survey says "later", an offer from a campaign
    // run, re-qualification with a re-contact task (the paths added after the first recordings).
    name: 'deferred-survey-offer-recontact',
    async play(env, tq, world) {
      const t0 = Number(await env.currentTimeMs());
      world.holidays = [{ key: 'GR:2027-03-25:independence-day', name: 'Εθνική Επέτειος', sendAt: new Date(t0 + 40 * DAY).toISOString() }];
      const h = await signalLead(env, tq, 'R4', baseProfile({ email: 'r4@acme.test', country: 'GR', locale: 'el', timezone: 'Europe/Athens' }), { id: 'r4-1', type: 'page_viewed', data: { url: '/blog/a' } });
      await env.sleep(1000);
      await h.executeUpdate(rejectUpdate, { args: [{ reason: 'no_budget', by: 'sales', noteId: 'note-1' }] });
      await env.sleep(1000);
      await h.signal(leadEventSignal, { id: 'r4-survey', type: 'survey_answered', data: { reason: 'bad_timing', timing: 'in_3_months', revisitMonths: 3 } });
      await env.sleep(DAY);
      await h.signal(offerSignal, { campaignId: 'spring-starter', runId: 'offer-spring-starter-rec', content: { en: { title: 'Spring', text: 'Offer.' } }, path: '/offers/spring-starter', until: new Date(t0 + 20 * DAY).toISOString() });
      await env.sleep(100 * DAY);
      return h.workflowId; // nurturing again, with a re-contact task
    },
  },
  {
    name: 'recontact-task-mail-then-sales',
    async play(env, tq) {
      const h = await signalLead(env, tq, 'R5', baseProfile({ email: 'r5@acme.test', jobTitle: 'CEO', companySize: 300 }), { id: 'r5-1', type: 'page_viewed', data: { url: '/blog/a' } });
      await env.sleep(1000);
      await h.executeUpdate(rejectUpdate, { args: [{ reason: 'no_budget', by: 'sales', noteId: 'note-2' }] });
      await env.sleep(1000);
      await h.signal(leadEventSignal, { id: 'r5-survey', type: 'survey_answered', data: { reason: 'bad_timing', timing: 'in_3_months', revisitMonths: 3 } });
      await env.sleep(100 * DAY);
      // Re-contact task and its manager's mail done; warming up, it goes to that manager first.
      await h.signal(leadEventSignal, { id: 'r5-pricing', type: 'page_viewed', data: { url: '/pricing' } });
      await h.signal(leadEventSignal, { id: 'r5-demo', type: 'demo_booked' });
      await env.sleep(1000);
      return h.workflowId; // handed off, to the task's manager
    },
  },
  {
    // A warm lead half-way through warm-consideration (still running).
    name: 'warm-mid-sequence',
    async play(env, tq) {
      const h = await signalLead(env, tq, 'R6', baseProfile({ email: 'r6@acme.test' }), { id: 'r6-1', type: 'page_viewed', data: { url: '/pricing' } });
      await env.sleep(4 * DAY);
      await h.signal(leadEventSignal, { id: 'r6-2', type: 'email_opened' });
      await env.sleep(DAY);
      return h.workflowId;
    },
  },
  {
    // A deferred lead in the keep-in-touch sequence, waiting for its next edition (still running).
    name: 'deferred-mid-keep-in-touch',
    async play(env, tq) {
      const h = await signalLead(env, tq, 'R7', baseProfile({ email: 'r7@acme.test' }), { id: 'r7-1', type: 'page_viewed', data: { url: '/blog/a' } });
      await env.sleep(1000);
      await h.executeUpdate(rejectUpdate, { args: [{ reason: 'bad_timing', by: 'lead' }] });
      await h.signal(leadEventSignal, { id: 'r7-survey', type: 'survey_answered', data: { reason: 'bad_timing', revisitMonths: 6 } });
      await env.sleep(20 * DAY);
      await h.signal(leadEventSignal, { id: 'r7-blog', type: 'page_viewed', data: { url: '/blog/b' } });
      await env.sleep(DAY);
      return h.workflowId;
    },
  },
  {
    // BANT with one failed item: answers kept, one move to nurturing, the drip goes on (still running).
    name: 'bant-gap-nurturing',
    async play(env, tq) {
      const h = await signalLead(env, tq, 'R8', baseProfile({ email: 'r8@acme.test' }), { id: 'r8-1', type: 'page_viewed', data: { url: '/pricing' } });
      await h.signal(leadEventSignal, { id: 'r8-2', type: 'webinar_attended' });
      await env.sleep(1000);
      await h.executeUpdate(recordBantUpdate, { args: [{ answers: { budget: { passed: false, note: 'no budget this year' }, authority: { passed: true }, need: { passed: true }, timing: { passed: true } } }] });
      await env.sleep(3 * DAY);
      return h.workflowId;
    },
  },
  {
    name: 'open-mid-sequence',
    async play(env, tq) {
      const h = await signalLead(env, tq, 'R3', baseProfile({ email: 'r3@acme.test' }), { id: 'r3-1', type: 'email_opened' });
      await h.signal(leadEventSignal, { id: 'r3-1', type: 'email_opened' }); // duplicate
      await env.sleep(5 * DAY);
      await h.signal(leadEventSignal, { id: 'r3-2', type: 'email_clicked' });
      await env.sleep(2 * DAY);
      return h.workflowId; // still running: replaying an open history must work too
    },
  },
];
