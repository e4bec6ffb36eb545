// The farewell survey page over real HTTP on loopback, on a migrated PostgreSQL database: the signed link
// from the farewell mail opens a form in the lead's language; answers are validated, stored (last
// wins, all kept) and signalled with one idempotency id per submission; forged and expired links
// are refused and store nothing.
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { linkBuilder, signLink, SURVEY_TTL_MS } from '../domain/mail/links';
import { suppressionOf } from '../domain/mail/email-hash';
import { loadConfig } from '../runtime/config';
import { buildApi } from '../api/server';
import { surveyPlugin } from '../api/survey';
import { surveyWords } from '../api/survey-words';
import { escape } from 'html-escaper';
import type { LeadEventSignal } from '../workflows/types';
import { createTestDb, type TestDb } from './helpers/db';

const SECRET = 's'.repeat(40);
let t: TestDb;
let api: FastifyInstance;
let base: string;
const signals: { workflowId: string; event: LeadEventSignal }[] = [];
// The part of the Temporal client the page uses: a signal to the lead's workflow.
const temporal = { workflow: { getHandle: (workflowId: string) => ({ signal: async (_def: unknown, event: LeadEventSignal) => void signals.push({ workflowId, event }) }) } } as unknown as Client;

beforeAll(async () => {
  t = await createTestDb();
  const config = loadConfig({ DATA_DIR: '/tmp/leadflow-survey-test', LINK_SIGNING_SECRET: SECRET });
  api = await buildApi({ db: t.db, temporal, config }, [surveyPlugin]);
  await api.listen({ host: '127.0.0.1', port: 0 });
  const addr = api.server.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}`;
}, 60_000);
afterAll(async () => {
  await api?.close();
  await t?.cleanup();
});
beforeEach(() => {
  signals.length = 0;
});

const lead = (id: string, locale = 'pl') => t.db.lead.create({ data: { id, email: `${id}@acme.test`, locale, source: 'web_form', workflowId: `lead-${id}`, stage: 'rejected' } });
const post = (url: string, form: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of [v].flat()) body.append(k, x);
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
};
const surveyUrl = (leadId: string) => linkBuilder(base, SECRET).survey(leadId);

test('the farewell link opens an accessible form in the lead language', async () => {
  await lead('S1', 'pl');
  const res = await fetch(surveyUrl('S1'));
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html).toContain('<html lang="pl">');
  expect(html).toContain('Jaki był główny powód?');
  // Every choice has a label, every group a legend; required groups say so.
  expect(html.match(/<fieldset/g)).toHaveLength(4);
  expect(html.match(/<legend>/g)).toHaveLength(4);
  expect(html).toMatch(/<label><input type="radio" name="reason" value="no_budget" id="reason-0" required> Brak budżetu/);
  expect(html).toContain('<label for="comment-input">');

  const el = await lead('S1el', 'el');
  const greek = await (await fetch(surveyUrl(el.id))).text();
  expect(greek).toContain('<html lang="el">');
  expect(greek).toContain('Ποιος ήταν ο κύριος λόγος;');
});

test('answers are stored and signalled; a second submission wins and both are kept', async () => {
  await lead('S2');
  const url = surveyUrl('S2');
  let res = await post(url, { reason: 'no_budget', timing: 'in_6_months', budget: 'small', bringBack: ['lower_price', 'more_proof'], comment: 'Wrócimy po <b>budżecie</b>' });
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('Dziękujemy');
  res = await post(url, { reason: 'bad_timing', timing: 'in_3_months' });
  expect(res.status).toBe(200);

  const rows = await t.db.surveyResponse.findMany({ where: { leadId: 'S2' }, orderBy: { submittedAt: 'asc' } });
  expect(rows).toHaveLength(2);
  expect(rows.map((r) => r.current)).toEqual([false, true]);
  expect(rows[0].answers).toEqual({ reason: 'no_budget', timing: 'in_6_months', budget: 'small', bringBack: ['lower_price', 'more_proof'], comment: 'Wrócimy po <b>budżecie</b>', locale: 'pl' });
  expect(rows[1].answers).toMatchObject({ reason: 'bad_timing', timing: 'in_3_months', bringBack: [] });

  expect(signals.map((s) => s.workflowId)).toEqual(['lead-S2', 'lead-S2']);
  expect(signals.map((s) => s.event.id)).toEqual([`survey:${rows[0].id}`, `survey:${rows[1].id}`]);
  expect(signals[0].event).toMatchObject({ type: 'survey_answered', data: { reason: 'no_budget', timing: 'in_6_months', revisitMonths: 6, bringBack: 'lower_price,more_proof', commented: true } });
  expect(signals[1].event.data).toMatchObject({ reason: 'bad_timing', revisitMonths: 3, commented: false });

  // The form shown again says an answer exists and is pre-filled with the current one.
  const again = await (await fetch(url)).text();
  expect(again).toContain('ponowne wysłanie formularza zastąpi poprzednią');
  expect(again).toMatch(/value="bad_timing" id="reason-1" checked/);
});

test('"not relevant" unsubscribes from marketing and suppresses the address, keeping the lead', async () => {
  await lead('S3', 'en');
  const res = await post(surveyUrl('S3'), { reason: 'not_relevant', timing: 'not_sure' });
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('We will not send you marketing mail any more.');
  const row = await t.db.lead.findUniqueOrThrow({ where: { id: 'S3' } });
  expect(row.unsubscribedAt).not.toBeNull();
  expect(await suppressionOf(t.db, 'S3@acme.test')).toMatchObject({ reason: 'not_relevant' });
  expect(signals[0].event.data).toMatchObject({ reason: 'not_relevant' });
  expect(signals[0].event.data).not.toHaveProperty('revisitMonths');
});

test('bad answers get 400 naming the question as the lead reads it, and nothing is stored', async () => {
  await lead('S4', 'en');
  const words = surveyWords('en');
  const forms: Record<string, string | string[]>[] = [{ timing: 'in_3_months' }, { reason: 'because', timing: 'in_3_months' }, { reason: 'other', timing: 'in_3_months', bringBack: ['lower_price', 'teleport'] }, { reason: 'other', timing: 'not_sure', comment: 'x'.repeat(1001) }];
  for (const form of forms) {
    const res = await post(surveyUrl('S4'), form);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('role="alert"');
    const field = 'reason' in form ? ('bringBack' in form ? 'bringBack' : 'comment' in form ? 'comment' : 'reason') : 'reason';
    const question = field === 'comment' ? words.comment : words[field].legend;
    expect(html).toContain(`">${escape(question)}: ${escape(field === 'comment' ? words.commentInvalid : words.invalid)}</a></li>`);
    expect(html).toMatch(new RegExp(`<li><a href="#${field}-[0-9a-z]+">`));
  }
  expect(await t.db.surveyResponse.count({ where: { leadId: 'S4' } })).toBe(0);
  expect(signals).toHaveLength(0);
});

test('forged, re-aimed and expired links are refused with an error page; nothing is stored', async () => {
  await lead('S5', 'en');
  const good = surveyUrl('S5');
  const token = good.split('/survey/')[1];
  const [body, sig] = token.split('.');
  const forgedSig = `${body}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
  const reaimed = `${Buffer.from(JSON.stringify({ p: { l: 'S2' }, e: Date.now() + SURVEY_TTL_MS })).toString('base64url')}.${sig}`;
  const otherSecret = signLink('survey', { l: 'S5' }, 'x'.repeat(40), SURVEY_TTL_MS);
  const unsubscribeKind = signLink('u', { l: 'S5' }, SECRET);
  for (const bad of [forgedSig, reaimed, otherSecret, unsubscribeKind]) {
    for (const res of [await fetch(`${base}/survey/${bad}`), await post(`${base}/survey/${bad}`, { reason: 'other', timing: 'not_sure' })]) {
      expect(res.status).toBe(403);
      const html = await res.text();
      expect(html).toContain('This survey link is not valid');
      expect(html).toContain('Nothing was saved.');
    }
  }
  const expired = signLink('survey', { l: 'S5' }, SECRET, SURVEY_TTL_MS, Date.now() - SURVEY_TTL_MS - 1000);
  for (const res of [await fetch(`${base}/survey/${expired}`), await post(`${base}/survey/${expired}`, { reason: 'other', timing: 'not_sure' })]) {
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('This survey link has expired');
  }
  // A valid link for a lead that no longer exists (erased) stores nothing either.
  const gone = await post(surveyUrl('no-such-lead'), { reason: 'other', timing: 'not_sure' });
  expect(gone.status).toBe(404);
  expect(await t.db.surveyResponse.count()).toBe(await t.db.surveyResponse.count({ where: { leadId: { in: ['S2', 'S3'] } } }));
  expect(await t.db.surveyResponse.count({ where: { leadId: 'S5' } })).toBe(0);
  expect(signals).toHaveLength(0);
});
