// Sequence statistics on what the real workflow produced: four warm leads run warm-consideration on
// the time-skipping server with the real activities (published content, lead store, mail ledger and
// sending to an SMTP server on 127.0.0.1, calendar); opens, clicks and an unsubscribe come through
// the real signed links of the mails they got (the API's link routes), which signal the workflows.
// The figures are then those the test itself caused; the leads' positions are on their rows and in
// the LeadSequenceStep search attribute.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { createActivities } from '../activities';
import { linksPlugin } from '../api/links';
import { buildApi } from '../api/server';
import { loadConfig } from '../runtime/config';
import { computeSequenceStats, sequenceStatsQuerySchema } from '../domain/kpi/sequence-stats';
import { bucket } from '../workflows/sequences/interpreter';
import { startTestSmtp, type TestSmtp } from './email.helpers';
import { createTestDb, type TestDb } from './helpers/db';
import { eventually } from './helpers/eventually';
import { createTimeSkippingEnv } from './helpers/temporal';
import { baseProfile, signalLead, startWorkers, terminateLeftovers } from './support/lead-harness';

const DAY = 86_400_000;
const SEQ = 'warm-consideration';
let env: TestWorkflowEnvironment;
let t: TestDb;
let smtp: TestSmtp;
let api: FastifyInstance;
const secret = 'w'.repeat(40);
const taskQueue = `seq-stats-${process.pid}`;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  t = await createTestDb();
  smtp = await startTestSmtp();
  const config = { ...loadConfig({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'leadflow-seq-wf-')), LINK_SIGNING_SECRET: secret }), DATABASE_URL: t.url };
  api = await buildApi({ db: t.db, temporal: env.client, config }, [linksPlugin]);
}, 120_000);
afterAll(async () => {
  await terminateLeftovers(env);
  await api?.close();
  await smtp?.stop();
  await t?.cleanup();
  await env?.teardown();
});

/** Waits (real time) until `ok`; the real activities take real milliseconds. */
const until = (ok: () => Promise<boolean>, what: string): Promise<void> => eventually(ok, what, { everyMs: 100 });

interface Sent { to: string; template: string; links: string[]; open: string; unsubscribe: string }
async function mails(n: number): Promise<Sent[]> {
  const raw = await smtp.waitFor(n, 60_000);
  return Promise.all(
    raw.slice(0, n).map(async (r) => {
      const m = await simpleParser(r);
      const html = String(m.html);
      const paths = (re: RegExp) => [...html.matchAll(re)].map((x) => x[1].replace(/&amp;/g, '&'));
      return {
        to: m.to && 'text' in m.to ? m.to.text : '',
        template: String(m.headers.get('x-leadflow-template') ?? ''),
        links: paths(/http:\/\/leads\.test(\/c\/[^"'\s<>]+)/g),
        open: paths(/http:\/\/leads\.test(\/o\/[^"'\s<>]+)/g)[0],
        unsubscribe: paths(/http:\/\/leads\.test(\/u\/[^"'\s<>]+)/g)[0],
      };
    }),
  );
}

test('the statistics count the mails, opens, clicks, unsubscribes, variants and positions the real workflow produced', async () => {
  const { close, ...activities } = createActivities({
    db: t.db,
    email: { smtp: { host: '127.0.0.1', port: smtp.port, secure: false, pool: false }, from: 'Acme <hello@acme.test>', companyName: 'Acme', companyAddress: '1 Main St', publicBaseUrl: 'http://leads.test', siteUrl: 'https://www.acme.test', linkSecret: secret, quietHours: { start: '00:00', end: '00:01' }, cap: { max: 10, days: 7 } },
  });
  // Warm from the start (VP 12 + size 15 + software 6 + 6 desired fields = 39, a blog view +1), below MQL.
  const ids = ['sa', 'sb', 'sc', 'sd'];
  const variant = (id: string): string => (bucket(`${id}:${SEQ}:4`) < 50 ? 'A' : 'B');
  const t0 = Number(await env.currentTimeMs());
  for (const id of ids) await t.db.lead.create({ data: { id, email: `${id}@acme.test`, source: 'web_form', consentStatus: 'confirmed', locale: id === 'sd' ? 'pl' : 'en', workflowId: `lead-${id}`, firstTouchAt: new Date(t0) } });
  try {
    await (await startWorkers(env, taskQueue, activities)).run(async () => {
      for (const id of ids) await signalLead(env, taskQueue, id, baseProfile({ email: `${id}@acme.test`, jobTitle: 'VP Marketing', companySize: 1000, locale: id === 'sd' ? 'pl' : 'en', phone: '+48 1' }), { id: `${id}-1`, type: 'page_viewed', data: { url: '/blog/x' } });
      const byLead = (list: Sent[], id: string): Sent => list.find((m) => m.to.includes(`${id}@`))!;
      // Step 0: the case study to all four. sa opens it; sb clicks a link in it (a click is an open too).
      const first = await mails(4);
      expect(await api.inject({ url: byLead(first, 'sa').open })).toMatchObject({ statusCode: 200 });
      expect(await api.inject({ url: byLead(first, 'sb').links[0] })).toMatchObject({ statusCode: 302 });
      await until(async () => (await t.db.leadEvent.count({ where: { type: { in: ['email_opened', 'email_clicked'] } } })) === 2, 'the open and the click recorded');

      // Step 2 after 3 days: the comparison to all four. sa clicks it: the waitFor's onEvent, then the split at once.
      await env.sleep(3 * DAY + 3_600_000);
      const second = (await mails(8)).slice(4);
      expect(await api.inject({ url: byLead(second, 'sa').links[0] })).toMatchObject({ statusCode: 302 });
      await mails(9);
      // sc unsubscribes from the comparison (one-click POST): it leaves at step 3.
      expect(await api.inject({ method: 'POST', url: byLead(second, 'sc').unsubscribe, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' })).toMatchObject({ statusCode: 200 });
      await until(async () => (await t.db.leadEvent.count({ where: { type: 'sequence_left' } })) === 1, 'sc left');
      // After the 5-day timeout sb and sd reach the split and get their consultation mail.
      await env.sleep(5 * DAY + 3_600_000);
      await mails(11);
      await until(async () => (await t.db.lead.count({ where: { sequenceStep: '5' } })) === 3, 'three leads waiting at step 5');
    });
  } finally {
    close();
  }

  const s = await computeSequenceStats(t.db, SEQ, sequenceStatsQuerySchema.parse({ from: new Date(t0 - DAY).toISOString(), to: new Date(t0 + 60 * DAY).toISOString() }));
  const stepOf = (k: string) => s.steps.find((x) => x.step === k)!;
  const pick = (k: string) => {
    const x = stepOf(k);
    return [x.entered, x.now, x.sent, x.delivered, x.bounced, x.uniqueOpens, x.uniqueClicks, x.unsubscribes];
  };
  const split = ids.filter((id) => id !== 'sc');
  const inA = split.filter((id) => variant(id) === 'A').length;
  expect(s.totals).toMatchObject({ entered: 4, now: 3, sent: 11, delivered: 11, bounced: 0, uniqueOpens: 3, uniqueClicks: 2, unsubscribes: 1, goalReached: 0 });
  //                             entered now sent deliv bounce opens clicks unsub
  expect(pick('0')).toEqual([4, 0, 4, 4, 0, 2, 1, 0]);
  expect(pick('1')).toEqual([4, 0, 0, 0, 0, 0, 0, 0]);
  expect(pick('2')).toEqual([4, 0, 4, 4, 0, 1, 1, 1]);
  expect(pick('3')).toEqual([4, 0, 0, 0, 0, 0, 0, 0]);
  expect(pick('3.onEvent.0')).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
  expect(pick('4')).toEqual([3, 0, 0, 0, 0, 0, 0, 0]);
  expect(pick('4.v:A.0')).toEqual([inA, 0, inA, inA, 0, 0, 0, 0]);
  expect(pick('4.v:B.0')).toEqual([3 - inA, 0, 3 - inA, 3 - inA, 0, 0, 0, 0]);
  expect(pick('5')).toEqual([3, 3, 0, 0, 0, 0, 0, 0]);
  expect(s.splits[0].variants.map((v) => [v.name, v.leads, v.sent])).toEqual([['A', inA, inA], ['B', 3 - inA, 3 - inA]]);
  expect(s.templates.map((x) => [x.template, x.locale, x.sent])).toEqual([
    ['warm-case-study', 'en', 3], ['warm-case-study', 'pl', 1], ['warm-comparison', 'en', 3], ['warm-comparison', 'pl', 1],
    ...(['en', 'pl'] as const).map((l) => ['warm-consultation', l, split.filter((id) => (id === 'sd') === (l === 'pl')).length]),
  ]);
  expect(s.exits).toEqual([{ version: 1, step: '3', reason: 'unsubscribed', leads: 1 }]);

  // Where each lead is: on its row, and in the LeadSequenceStep search attribute.
  const rows = await t.db.lead.findMany({ orderBy: { id: 'asc' }, select: { id: true, sequenceId: true, sequenceVersion: true, sequenceStep: true, sequenceStepAt: true } });
  expect(rows.map((r) => [r.id, r.sequenceId, r.sequenceVersion, r.sequenceStep])).toEqual([['sa', SEQ, 1, '5'], ['sb', SEQ, 1, '5'], ['sc', null, null, null], ['sd', SEQ, 1, '5']]);
  expect(rows[0].sequenceStepAt).toBeInstanceOf(Date);
  const sa = await env.client.workflow.getHandle('lead-sa').describe();
  expect(sa.searchAttributes.LeadSequenceStep).toEqual([`${SEQ}@v1:5`]);
  const sc = await env.client.workflow.getHandle('lead-sc').describe();
  // Out of every sequence: unset (the time-skipping server reports an unset keyword as [null]).
  expect((sc.searchAttributes.LeadSequenceStep ?? []).filter((v) => v !== null)).toEqual([]);
}, 240_000);
