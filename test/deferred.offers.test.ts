// An offer campaign run on the time-skipping server: the audience is read from the database page by
// page (real activity, PostgreSQL), lead workflows are signalled with bounded concurrency, and each lead
// mails the offer itself, so its frequency cap holds (offers wait for the window, none is lost) and a
// run reaches a lead once. Only deferred leads get offers.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createLeadStoreActivities } from '../activities/leads/lead-store';
import { createOfferAudienceActivities } from '../activities/offers/audience';
import { capUntil } from '../domain/mail/policy';
import type { LeadActivities, OfferCampaignActivities, SendEmailRequest } from '../workflows/activity-contract';
import type { OfferCampaignInput, OfferCampaignResult } from '../workflows/offers/campaign';
import { defineOfferCampaign } from '../workflows/offers/define';
import { leadEventSignal, offerSignal, rejectUpdate, stateQuery } from '../workflows/lead/messages';
import type { LeadProfile } from '../workflows/types';
import { createTestDb, type TestDb } from './helpers/db';
import { createTimeSkippingEnv } from './helpers/temporal';
import { fakeWorld } from './support/fake-activities';
import { baseProfile, passUntil, signalLead, startWorkers, terminateLeftovers } from './support/lead-harness';

const DAY = 86_400_000;
const CAP = { max: 3, days: 7 };
let env: TestWorkflowEnvironment;
let t: TestDb;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  t = await createTestDb();
}, 120_000);
afterEach(async () => {
  await terminateLeftovers(env);
});
afterAll(async () => {
  await t?.cleanup();
  await env?.teardown();
});

const campaign = defineOfferCampaign({
  id: 'test-spring',
  name: 'Test spring offer',
  schedule: { cron: ['0 9 1 3 *'] },
  audience: {},
  offer: { path: '/offers/spring', content: { en: { title: 'Spring offer', text: 'Twenty percent off.' }, pl: { title: 'Oferta wiosenna', text: 'Dwadzieścia procent taniej.' } } },
  validDays: 14,
  concurrency: 2,
  pageSize: 1, // one lead per page: paging is exercised
});

async function leadRow(id: string, p: LeadProfile, extra: { stage?: string; unsubscribedAt?: Date } = {}): Promise<void> {
  await t.db.lead.create({ data: { id, email: p.email, locale: p.locale, timezone: p.timezone, country: p.country ?? null, source: p.source, workflowId: `lead-${id}`, ...extra } });
}

test('a campaign reaches only deferred leads, once per run, within every lead\'s frequency cap', async () => {
  const w = fakeWorld();
  // The send-time cap of the real sendEmail (domain/mail/policy.ts), over this world's mails.
  w.sendOverride = (req: SendEmailRequest) => {
    if (req.kind !== 'marketing' || w.mails.some((m) => m.idempotencyKey === req.idempotencyKey)) return undefined;
    const sent = w.mails.filter((m) => m.leadId === req.leadId && m.kind === 'marketing').map((m) => new Date(m.now!));
    const until = capUntil(new Date(req.now!), sent, CAP);
    return until ? { status: 'deferred', until: until.toISOString(), reason: 'frequency_cap' } : undefined;
  };
  const activities: LeadActivities & OfferCampaignActivities = { ...w.activities, ...createLeadStoreActivities({ db: t.db }), ...createOfferAudienceActivities({ db: t.db }), loadOfferCampaign: async () => null };
  const tq = `offers-${process.pid}`;
  const profiles = {
    A: baseProfile({ email: 'a@offers.test' }),
    B: baseProfile({ email: 'b@offers.test' }),
    C: baseProfile({ email: 'c@offers.test' }),
    D: baseProfile({ email: 'd@offers.test', locale: 'el', timezone: 'Europe/Athens', country: 'GR' }),
  };
  await leadRow('OA', profiles.A);
  await leadRow('OB', profiles.B);
  // Deferred on paper but unsubscribed: never in an audience.
  await leadRow('OC', profiles.C, { stage: 'deferred', unsubscribedAt: new Date() });
  await leadRow('OD', profiles.D);

  const workers = await startWorkers(env, tq, activities);
  await workers.run(async () => {
    const h = {
      A: await signalLead(env, tq, 'OA', profiles.A, { id: 'a1', type: 'page_viewed', data: { url: '/blog/x' } }),
      B: await signalLead(env, tq, 'OB', profiles.B, { id: 'b1', type: 'page_viewed', data: { url: '/blog/x' } }),
      D: await signalLead(env, tq, 'OD', profiles.D, { id: 'd1', type: 'page_viewed', data: { url: '/blog/x' } }),
    };
    await passUntil(env, async () => (await t.db.lead.count({ where: { stage: 'nurturing' } })) === 3, 'three nurturing leads');
    for (const k of ['A', 'D'] as const) {
      await h[k].executeUpdate(rejectUpdate, { args: [{ reason: 'no_budget', by: 'sales' }] });
      await h[k].signal(leadEventSignal, { id: `${k}-survey`, type: 'survey_answered', data: { reason: 'no_budget', timing: 'in_12_months', revisitMonths: 12 } });
    }
    await passUntil(env, async () => (await t.db.lead.count({ where: { id: { in: ['OA', 'OD'] }, stage: 'deferred' } })) === 2, 'A and D deferred');
    const startedAt = Number(await env.currentTimeMs());

    // Three runs on one day (as if the schedule fired three times): A and D already had their
    // drip and farewell mails, so the cap pushes some offers out by days.
    const results: OfferCampaignResult[] = [];
    for (const run of [1, 2, 3]) {
      results.push(await env.client.workflow.execute('offerCampaign', { workflowId: `offer-test-spring-run${run}`, taskQueue: tq, args: [{ campaignId: campaign.id, campaign } satisfies OfferCampaignInput] }));
    }
    expect(results.map((r) => [r.signalled, r.missed])).toEqual([[2, 0], [2, 0], [2, 0]]);
    expect(results.map((r) => r.runId)).toEqual(['offer-test-spring-run1', 'offer-test-spring-run2', 'offer-test-spring-run3']);
    // The same run delivered again (a retried fan-out) changes nothing: the lead counts a run once.
    const again = await env.client.workflow.execute('offerCampaign', { workflowId: 'offer-test-spring-run1-retry', taskQueue: tq, args: [{ campaignId: campaign.id, campaign, runId: 'offer-test-spring-run1' } satisfies OfferCampaignInput] });
    expect(again.signalled).toBe(2);
    // The lead workflow's own guard: a lead no longer deferred skips an offer sent to it directly.
    await h.B.signal(offerSignal, { campaignId: campaign.id, runId: 'direct-1', content: campaign.offer.content, path: '/offers/spring', until: new Date(startedAt + 14 * DAY).toISOString() });

    await env.sleep(15 * DAY);
    expect((await h.A.query(stateQuery)).stage).toBe('deferred');
    expect((await h.B.query(stateQuery)).stage).toBe('nurturing');
  });

  const offers = w.mails.filter((m) => m.template === 'offer');
  // Only the deferred leads, each run once.
  expect(offers.map((m) => m.leadId).sort()).toEqual(['OA', 'OA', 'OA', 'OD', 'OD', 'OD']);
  expect(new Set(offers.map((m) => m.idempotencyKey)).size).toBe(6);
  expect(offers.filter((m) => m.leadId === 'OA').map((m) => m.idempotencyKey).sort()).toEqual(['OA:offer:offer-test-spring-run1', 'OA:offer:offer-test-spring-run2', 'OA:offer:offer-test-spring-run3']);
  // In the lead's language.
  expect(offers.find((m) => m.leadId === 'OA')?.variables).toMatchObject({ offerTitle: 'Oferta wiosenna', offerPath: '/offers/spring' });
  expect(offers.find((m) => m.leadId === 'OD')?.variables).toMatchObject({ offerTitle: 'Spring offer' }); // no el text: English
  // The cap held for every lead: never more than 3 marketing mails in any 7 days...
  for (const leadId of ['OA', 'OD']) {
    const times = w.mails.filter((m) => m.leadId === leadId && m.kind === 'marketing').map((m) => Date.parse(m.now!)).sort((a, b) => a - b);
    for (let i = CAP.max; i < times.length; i++) expect(times[i] - times[i - CAP.max]).toBeGreaterThanOrEqual(CAP.days * DAY);
  }
  // ...so some offers went out days after their run, none was lost.
  const sentAt = offers.map((m) => Date.parse(m.now!));
  expect(Math.max(...sentAt) - Math.min(...sentAt)).toBeGreaterThan(5 * DAY);
  const events = await t.db.leadEvent.findMany({ where: { type: { in: ['offer_sent', 'offer_skipped', 'offer_expired'] } }, select: { leadId: true, type: true } });
  expect(events.filter((e) => e.type === 'offer_sent')).toHaveLength(6);
  expect(events.filter((e) => e.type === 'offer_skipped').map((e) => e.leadId)).toEqual(['OB']);
  expect(events.filter((e) => e.type === 'offer_expired')).toHaveLength(0);
}, 180_000);
