// The sendEmail activity against a real SMTP server on 127.0.0.1 (test/email.helpers.ts) and a real
// ledger on PostgreSQL.
import { simpleParser, type ParsedMail } from 'mailparser';
import { verifyLink } from '../domain/mail/links';
import { createEmailActivities, type EmailConfig } from '../activities/email/send';
import { addressHash, suppressionOf, suppressRow } from '../domain/mail/email-hash';
import type { Db } from '../domain/db';
import type { SendEmailRequest } from '../workflows/activity-contract';
import type { LeadEventSignal } from '../workflows/types';
import { startTestSmtp, testEmailConfig, type TestSmtp } from './email.helpers';
import pg from 'pg';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { createTestDb, type TestDb } from './helpers/db';

const SECRET = 'x'.repeat(40);
let t: TestDb;
let db: Db;
let sink: TestSmtp;
let mail: ReturnType<typeof createEmailActivities>;
const signals: { workflowId: string; event: LeadEventSignal }[] = [];
// The part of a Temporal client the signal client (domain/lead-signal.ts) uses, recording what it was
// asked to signal; `signalFails` makes the next signal fail as Temporal would.
let signalFails: Error | null = null;
const temporal = {
  workflow: {
    getHandle: (workflowId: string) => ({
      signal: async (_def: unknown, event: LeadEventSignal) => {
        const e = signalFails;
        signalFails = null;
        if (e) throw e;
        signals.push({ workflowId, event });
      },
    }),
  },
} as unknown as Client;
const parse = (raw: Buffer): Promise<ParsedMail> => simpleParser(raw);
const subjects = async (): Promise<string[]> => Promise.all(sink.received.map(async (r) => (await parse(r)).subject ?? ''));

const config = (port: number): EmailConfig => testEmailConfig(port, { linkSecret: SECRET });

// Noon in Warsaw on a weekday: outside quiet hours.
const NOON = '2027-03-10T11:00:00.000Z';
let n = 0;
async function lead(over: Partial<Parameters<Db['lead']['create']>[0]['data']> = {}): Promise<string> {
  const id = `lead-${++n}`;
  await db.lead.create({ data: { id, email: `p${n}@example.test`, firstName: 'Ola', locale: 'pl', timezone: 'Europe/Warsaw', source: 'web_form', workflowId: `lead-${id}`, consentStatus: 'confirmed', ...over } });
  return id;
}
const req = (leadId: string, key: string, over: Partial<SendEmailRequest> = {}): SendEmailRequest => ({
  idempotencyKey: key,
  leadId,
  template: 'cold-ebook',
  kind: 'marketing',
  variables: { firstName: 'Ola', company: 'Acme' },
  now: NOON,
  ...over,
});

beforeAll(async () => {
  t = await createTestDb();
  db = t.db;
  sink = await startTestSmtp();
  mail = createEmailActivities({ db, config: config(sink.port), temporal, resolveRecipient: async (to) => (to === 'head-of-sales' ? 'head@acme.test' : null) });
});
afterAll(async () => {
  mail.close();
  await sink.stop();
  await t.cleanup();
});
beforeEach(() => sink.clear());


test('a mail is sent once per key, with both parts, its locale, RFC 8058 headers and signed links', async () => {
  const id = await lead();
  const first = await mail.sendEmail(req(id, `${id}:cold:v1:e1:0`));
  const again = await mail.sendEmail(req(id, `${id}:cold:v1:e1:0`));
  expect(first.status).toBe('sent');
  expect(again).toEqual({ status: 'already_sent', messageId: (first as { messageId: string }).messageId });
  const [raw] = await sink.waitFor(1);
  expect(sink.received).toHaveLength(1);
  const parsed = await parse(raw);
  expect(parsed.subject).toBe('Twój e-book: 7 sposobów na odzyskanie utraconych leadów');
  expect(parsed.headers.get('content-language')).toBe('pl');
  expect(parsed.messageId).toBe((first as { messageId: string }).messageId);
  const rawHeaders = String(raw).split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' '); // unfold
  expect(rawHeaders).toMatch(/^List-Unsubscribe: <https:\/\/leads\.acme\.test\/u\/[^>]+>$/m);
  expect(rawHeaders).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
  expect(parsed.text).toContain('Dzień dobry Ola,');
  const html = String(parsed.html);
  // The call to action goes through a signed click redirect that keeps the original URL.
  const click = /href="https:\/\/leads\.acme\.test\/c\/([^"]+)"/.exec(html)![1];
  const v = verifyLink('c', click, SECRET);
  expect(v).toEqual({ ok: true, payload: { k: `${id}:cold:v1:e1:0`, l: id, u: 'https://www.acme.test/resources/ebook' } });
  expect(verifyLink('c', click.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), SECRET).ok).toBe(false);
  expect(html).toMatch(/src="https:\/\/leads\.acme\.test\/o\//);
  // The plain-text part carries the same content and the same tracked link; the unsubscribe link stays direct.
  expect(parsed.text).toContain('Twój poradnik jest gotowy');
  expect(parsed.text).toContain(`https://leads.acme.test/c/${click}`);
  expect(parsed.text).not.toContain('https://www.acme.test/resources/ebook');
  expect(parsed.text).toMatch(/Wypisz się \[https:\/\/leads\.acme\.test\/u\//);
  expect(html).toContain('1 Main St, Warsaw');
  const row = await db.emailLog.findUniqueOrThrow({ where: { idempotencyKey: `${id}:cold:v1:e1:0` } });
  expect(row).toMatchObject({ status: 'sent', attempts: 1, locale: 'pl', toAddress: `p${n}@example.test`, sentAt: new Date(NOON) });
  // Prisma reads what the ledger's own SQL wrote, and filters on it.
  expect(await db.emailLog.count({ where: { leadId: id, sentAt: { gte: new Date(NOON), lt: new Date(Date.parse(NOON) + 1) } } })).toBe(1);
});

test('every locale arrives over SMTP in its language, with both parts; an unknown locale falls back to English', async () => {
  const expected: Record<string, string> = { en: 'en', pl: 'pl', ru: 'ru', el: 'el', 'fr-FR': 'en' };
  for (const locale of Object.keys(expected)) {
    const id = await lead({ locale });
    expect((await mail.sendEmail(req(id, `${id}:loc`, { locale: undefined }))).status).toBe('sent');
  }
  const got = await Promise.all((await sink.waitFor(5)).map(parse));
  expect(got.map((m) => m.headers.get('content-language'))).toEqual(Object.values(expected));
  // Each language has its own subject and words; the fallback mail is the English one.
  expect(new Set(got.slice(0, 4).map((m) => m.subject)).size).toBe(4);
  expect(got[4].subject).toBe(got[0].subject);
  expect(got[1].text).toContain('Dzień dobry Ola');
  expect(got[2].subject).toMatch(/[а-яА-Я]/);
  expect(got[3].subject).toMatch(/[α-ωΑ-Ω]/);
  for (const m of got) {
    expect(String(m.html)).toContain('1 Main St, Warsaw');
    expect(m.text).toMatch(/\[https:\/\/leads\.acme\.test\/u\//);
  }
});

test('many sends at once each claim, send and record once (writes committed together)', async () => {
  const ids = await Promise.all(Array.from({ length: 12 }, () => lead()));
  const results = await Promise.all(ids.map((id) => mail.sendEmail(req(id, `${id}:burst`))));
  expect(results.map((r) => r.status)).toEqual(ids.map(() => 'sent'));
  await sink.waitFor(12);
  expect(sink.received).toHaveLength(12);
  const rows = await db.emailLog.findMany({ where: { idempotencyKey: { in: ids.map((id) => `${id}:burst`) } } });
  expect(rows.map((r) => [r.status, r.attempts])).toEqual(ids.map(() => ['sent', 1]));
  expect((await Promise.all(ids.map((id) => mail.sendEmail(req(id, `${id}:burst`))))).map((r) => r.status)).toEqual(ids.map(() => 'already_sent'));
  expect(sink.received).toHaveLength(12);
});

test('the claim is committed before any SMTP traffic: when the mail arrives, another connection sees it', async () => {
  const id = await lead();
  const key = `${id}:durable`;
  const seen: (string | undefined)[] = [];
  sink.beforeAccept(async () => {
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    seen.push((await c.query<{ status: string }>('SELECT "status" FROM "EmailLog" WHERE "idempotencyKey" = $1', [key])).rows[0]?.status);
    await c.end();
  });
  try {
    expect((await mail.sendEmail(req(id, key))).status).toBe('sent');
  } finally {
    sink.beforeAccept(null);
  }
  expect(seen).toEqual(['claimed']);
});

test('a 421 is retried by Temporal and the retry sends exactly one mail', async () => {
  const id = await lead();
  sink.failNext(421);
  await expect(mail.sendEmail(req(id, `${id}:k421`))).rejects.toMatchObject({ type: 'SmtpTransient', nonRetryable: false, details: [{ responseCode: 421 }] });
  expect(sink.received).toHaveLength(0);
  expect((await mail.sendEmail(req(id, `${id}:k421`))).status).toBe('sent');
  expect((await mail.sendEmail(req(id, `${id}:k421`))).status).toBe('already_sent');
  await sink.waitFor(1);
  expect(sink.received).toHaveLength(1);
  expect((await db.emailLog.findUniqueOrThrow({ where: { idempotencyKey: `${id}:k421` } })).attempts).toBe(2);
});

test('a 550 marks the mail bounced, suppresses the address, tells the workflow, and is not retried', async () => {
  const id = await lead();
  sink.failNext(550);
  const r = await mail.sendEmail(req(id, `${id}:k550`));
  expect(r.status).toBe('bounced');
  expect(signals).toContainEqual({ workflowId: `lead-${id}`, event: { id: `bounce:${id}:k550`, type: 'bounced', data: { error: expect.stringContaining('550') } } });
  expect(await db.emailLog.findUniqueOrThrow({ where: { idempotencyKey: `${id}:k550` } })).toMatchObject({ status: 'bounced', attempts: 1 });
  const l = await db.lead.findUniqueOrThrow({ where: { id } });
  expect(await suppressionOf(db, l.email)).toMatchObject({ reason: 'bounced' });
  expect((await mail.sendEmail(req(id, `${id}:k550`))).status).toBe('bounced');
  expect((await mail.sendEmail(req(id, `${id}:next`))).status).toBe('suppressed');
  expect(sink.received).toHaveLength(0);
  // The repeated request told the workflow again: the same event id, which the workflow counts once.
  expect(new Set(signals.filter((x) => x.workflowId === `lead-${id}`).map((x) => x.event.id))).toEqual(new Set([`bounce:${id}:k550`]));
});

test('a bounce signal Temporal does not take fails the activity; the retry signals and never resends', async () => {
  const id = await lead();
  sink.failNext(550);
  signalFails = new Error('14 UNAVAILABLE: connection refused');
  await expect(mail.sendEmail(req(id, `${id}:down`))).rejects.toThrow('UNAVAILABLE');
  expect(await db.emailLog.findUniqueOrThrow({ where: { idempotencyKey: `${id}:down` } })).toMatchObject({ status: 'bounced', attempts: 1 });
  expect(signals.some((x) => x.event.id === `bounce:${id}:down`)).toBe(false);
  // Temporal's retry: the ledger says bounced, so no SMTP traffic, and the signal goes out now.
  expect(await mail.sendEmail(req(id, `${id}:down`))).toMatchObject({ status: 'bounced', error: expect.stringContaining('550') });
  expect(signals).toContainEqual({ workflowId: `lead-${id}`, event: { id: `bounce:${id}:down`, type: 'bounced', data: { error: expect.stringContaining('550') } } });
  expect(await db.emailLog.findUniqueOrThrow({ where: { idempotencyKey: `${id}:down` } })).toMatchObject({ status: 'bounced', attempts: 1 });
  expect(sink.received).toHaveLength(0);
});

test('a bounce for a lead whose workflow has ended is recorded, not an error', async () => {
  const id = await lead();
  sink.failNext(550);
  signalFails = new WorkflowNotFoundError('workflow not found', `lead-${id}`, undefined);
  expect(await mail.sendEmail(req(id, `${id}:ended`))).toMatchObject({ status: 'bounced' });
  expect(await db.emailLog.findUniqueOrThrow({ where: { idempotencyKey: `${id}:ended` } })).toMatchObject({ status: 'bounced', attempts: 1 });
});

test('suppressed, unsubscribed or unconfirmed leads get no marketing mail; transactional mail is exempt from consent', async () => {
  const sup = await lead();
  const l = await db.lead.findUniqueOrThrow({ where: { id: sup } });
  await suppressRow(db, await addressHash(db, l.email.toUpperCase()), 'erased');
  expect(await mail.sendEmail(req(sup, `${sup}:a`))).toEqual({ status: 'suppressed', reason: 'suppressed (erased)' });
  const unsub = await lead({ unsubscribedAt: new Date() });
  expect((await mail.sendEmail(req(unsub, `${unsub}:a`))).status).toBe('suppressed');
  const pending = await lead({ consentStatus: 'pending' });
  expect(await mail.sendEmail(req(pending, `${pending}:a`))).toMatchObject({ status: 'deferred', reason: 'consent_pending' });
  expect((await mail.sendEmail(req(pending, `${pending}:doi`, { template: 'double-opt-in', kind: 'transactional' }))).status).toBe('sent');
  await sink.waitFor(1);
  expect(await subjects()).toEqual(['Potwierdź swój adres e-mail']);
  // A template that is marketing stays marketing, whatever kind the caller claims.
  expect(await mail.sendEmail(req(pending, `${pending}:b`, { kind: 'transactional' }))).toMatchObject({ status: 'deferred', reason: 'consent_pending' });
  const withdrawn = await lead({ consentStatus: 'withdrawn' });
  expect(await mail.sendEmail(req(withdrawn, `${withdrawn}:a`))).toEqual({ status: 'suppressed', reason: 'consent withdrawn' });
  expect(sink.received).toHaveLength(1);
});

test('quiet hours in the lead\'s timezone defer to the next allowed time', async () => {
  const id = await lead({ timezone: 'Europe/Athens' });
  // 21:30 in Athens (UTC+2 in March before DST): quiet until 08:00 local = 06:00Z next day.
  const r = await mail.sendEmail(req(id, `${id}:late`, { now: '2027-03-10T19:30:00.000Z' }));
  expect(r).toEqual({ status: 'deferred', until: '2027-03-11T06:00:00.000Z', reason: 'quiet_hours' });
  expect(await db.emailLog.findUnique({ where: { idempotencyKey: `${id}:late` } })).toBeNull();
  // At the time it was deferred to, it goes.
  expect((await mail.sendEmail(req(id, `${id}:late`, { now: '2027-03-11T06:00:00.000Z' }))).status).toBe('sent');
  await sink.waitFor(1);
});

test('one frequency cap across all sequences defers the 4th marketing mail in 7 days', async () => {
  const id = await lead();
  const days = ['2027-03-01', '2027-03-03', '2027-03-05'];
  for (const [i, d] of days.entries()) {
    expect((await mail.sendEmail(req(id, `${id}:seq${i}:0`, { now: `${d}T11:00:00.000Z` }))).status).toBe('sent');
  }
  const r = await mail.sendEmail(req(id, `${id}:other:0`, { now: '2027-03-06T11:00:00.000Z' }));
  expect(r).toMatchObject({ status: 'deferred', reason: 'frequency_cap' });
  expect(Date.parse((r as { until: string }).until)).toBe(Date.parse('2027-03-08T11:00:01.000Z'));
  // Transactional mail is not capped.
  expect((await mail.sendEmail(req(id, `${id}:doi`, { template: 'double-opt-in', kind: 'transactional', now: '2027-03-06T11:00:00.000Z' }))).status).toBe('sent');
});

test('bad requests are refused without sending: unknown template, header injection, bad variables', async () => {
  const id = await lead();
  await expect(mail.sendEmail(req(id, `${id}:x`, { template: 'nope' }))).rejects.toThrow(/template: unknown template/);
  await expect(mail.sendEmail(req(id, `${id}:y`, { subject: 'Hi\r\nBcc: victim@x.test' }))).rejects.toThrow(/subject: must not contain line breaks/);
  await expect(mail.sendEmail(req(id, `${id}:z`, { template: 'holiday-greeting', variables: {} }))).rejects.toThrow(/holiday/);
  // A variable that ends up in the subject must not carry a line break: refused for good, not retried.
  await expect(mail.sendEmail(req(id, `${id}:w`, { template: 'holiday-greeting', variables: { holiday: 'Easter\r\nBcc: victim@x.test' } }))).rejects.toMatchObject({
    type: 'InvalidTemplateVariables',
    nonRetryable: true,
    message: expect.stringContaining('"holiday" contains a line break'),
  });
  expect(sink.received).toHaveLength(0);
  expect(await db.emailLog.count({ where: { leadId: id } })).toBe(0);
});

test('two concurrent attempts of one key send one mail; the loser is told to retry', async () => {
  const id = await lead();
  const results = await Promise.allSettled([mail.sendEmail(req(id, `${id}:race`)), mail.sendEmail(req(id, `${id}:race`))]);
  // Depending on timing the loser sees the claim (retryable EmailClaimBusy) or the finished send.
  const outcomes = results.map((r) => (r.status === 'fulfilled' ? r.value.status : (r.reason as { type?: string }).type)).sort();
  expect([['EmailClaimBusy', 'sent'], ['already_sent', 'sent']]).toContainEqual(outcomes);
  for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ nonRetryable: false });
  expect((await mail.sendEmail(req(id, `${id}:race`))).status).toBe('already_sent');
  await sink.waitFor(1);
  expect(sink.received).toHaveLength(1);
});

test('a manager notification goes to the resolved address, without the lead\'s unsubscribe or tracking', async () => {
  // Who the lead is comes from its row, not from the request (the workflow holds no contact data).
  const id = await lead({ lastName: 'Nowak', email: 'ola@x.test' });
  const card = { source: 'web_form', score: 61, temperature: 'hot', bant: 'budget: yes', misses: 2, lastManager: 'anna@acme.test' };
  const r = await mail.sendEmail(req(id, `${id}:esc`, { template: 'sales-escalation', kind: 'transactional', to: 'head-of-sales', variables: card, locale: 'en' }));
  expect(r.status).toBe('sent');
  const [raw] = await sink.waitFor(1);
  const m = await parse(raw);
  expect((m.to as { text: string }).text).toBe('head@acme.test');
  expect(m.subject).toBe('Escalation: Ola Nowak missed its SLA 2 times');
  expect(m.headers.has('list-unsubscribe')).toBe(false);
  expect(String(m.html)).not.toMatch(/leads\.acme\.test\/(u|o|c)\//);
  expect(m.text).toContain('ola@x.test');
  expect(m.text).toContain('You receive this because you are on the sales team.');
  expect(m.text).toContain('1 Main St, Warsaw');
  // Nobody to resolve: recorded as not sent, nothing goes out.
  expect((await mail.sendEmail(req(id, `${id}:nobody`, { template: 'sales-escalation', kind: 'transactional', to: 'nobody', variables: card }))).status).toBe('suppressed');
  expect(sink.received).toHaveLength(1);
});

test("a step's subject override renders its placeholders like the template's own subject", async () => {
  sink.clear();
  // Name and company come from the lead's row (the workflow carries no contact data).
  const id = await lead({ company: 'Acme' });
  const r = await mail.sendEmail(req(id, `${id}:subj`, { subject: 'Hi {{firstName|there}}, a guide for {{company|your team}}' }));
  expect(r.status).toBe('sent');
  const withoutCompany = await lead();
  const noCompany = await mail.sendEmail(req(withoutCompany, `${withoutCompany}:subj2`, { subject: 'A guide for {{company|your team}}' }));
  expect(noCompany.status).toBe('sent');
  expect(await subjects()).toEqual(['Hi Ola, a guide for Acme', 'A guide for your team']);
  expect((await db.emailLog.findUnique({ where: { idempotencyKey: `${id}:subj` } }))?.subject).toBe('Hi Ola, a guide for Acme');
});

test("a re-contact task mail takes the task's lines from its row; a task not of this lead is not sent", async () => {
  sink.clear();
  const id = await lead({ lastName: 'Nowak' });
  const other = await lead();
  const details = { why: 'knew the lead before', score: 47, temperature: 'warm', refusal: { reason: 'no_budget', note: 'frozen until Q3', by: 'sales', at: '2027-01-10T10:00:00Z' }, survey: { reason: 'bad_timing', comment: 'call in June', locale: 'pl' }, behaviourSince: { since: null, counts: { page_viewed: 2 }, recent: [] } };
  const task = await db.task.create({ data: { dedupKey: `${id}:recontact:1`, kind: 'recontact', leadId: id, title: 'Re-contact', details } });
  // What the workflow sends: the card and the task's id, no free text.
  const variables = { source: 'web_form', score: 47, temperature: 'warm', bant: 'budget: ?', taskId: task.id, why: 'knew the lead before' };
  const r = await mail.sendEmail(req(id, `${id}:recontact-task:${task.id}`, { template: 'manager-recontact-task', kind: 'transactional', to: 'anna@acme.test', locale: 'en', variables }));
  expect(r.status).toBe('sent');
  const m = await parse((await sink.waitFor(1))[0]);
  for (const text of ['no_budget (by sales, 2027-01-10)', 'frozen until Q3', 'reason: bad_timing; comment: call in June', 'page viewed ×2']) expect(m.text).toContain(text);
  expect(m.text).not.toContain('locale: pl');
  // Another lead's task (or none) gives nothing to show: recorded as not sent.
  const wrong = await mail.sendEmail(req(other, `${other}:recontact-task:${task.id}`, { template: 'manager-recontact-task', kind: 'transactional', to: 'anna@acme.test', locale: 'en', variables }));
  expect(wrong).toEqual({ status: 'suppressed', reason: `no re-contact task ${task.id} of this lead` });
  expect(sink.received).toHaveLength(1);
});
