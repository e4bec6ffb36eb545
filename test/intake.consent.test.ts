// Double opt-in end to end on a real Temporal (time-skipping server) with the real activities and a
// real SMTP server on 127.0.0.1: a lead with consent pending gets exactly one confirmation mail (a
// repeat intake sends none), no marketing mail until it confirms through the signed link, and its
// consent is stored with source, text version and time.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { simpleParser } from 'mailparser';
import { createActivities } from '../activities';
import { stateQuery } from '../workflows/lead/messages';
import { startTestSmtp, type TestSmtp } from './email.helpers';
import { createTestDb, type TestDb } from './helpers/db';
import { untilSignalHandled } from './helpers/history';
import { createTimeSkippingEnv } from './helpers/temporal';
import { intakeApi, validLead, type IntakeApi } from './intake.helpers';
import { startWorkers } from './support/lead-harness';

let env: TestWorkflowEnvironment;
let t: TestDb;
let s: IntakeApi;
let smtp: TestSmtp;
const taskQueue = `intake-consent-${process.pid}`;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  t = await createTestDb();
  s = await intakeApi(t, env.client, taskQueue);
  smtp = await startTestSmtp();
}, 120_000);

afterAll(async () => {
  await s?.api.close();
  for (const l of (await t?.db.lead.findMany({ select: { workflowId: true } })) ?? []) await env.client.workflow.getHandle(l.workflowId).terminate('test cleanup').catch(() => undefined);
  await smtp?.stop();
  await t?.cleanup();
  await env?.teardown();
});

test('double opt-in: one confirmation mail, no marketing until confirmed, consent stored with source, version and time', async () => {
  const { close, ...activities } = createActivities({
    db: t.db,
    email: { smtp: { host: '127.0.0.1', port: smtp.port, secure: false, pool: false }, from: 'Acme <hello@acme.test>', companyName: 'Acme', companyAddress: '1 Main St', publicBaseUrl: 'http://leads.test', siteUrl: 'https://www.acme.test', linkSecret: s.config.LINK_SIGNING_SECRET, quietHours: { start: '00:00', end: '00:01' }, cap: { max: 10, days: 7 } },
  });
  try {
    await (await startWorkers(env, taskQueue, activities)).run(async () => {
      const body = validLead({ email: 'Piotr@Acme.test', firstName: 'Piotr', locale: 'en', consent: { status: 'pending', textVersion: 'newsletter-v2', source: 'pricing page form' } });
      const res = await s.api.inject({ method: 'POST', url: '/leads', headers: s.auth('intake'), payload: body });
      expect(res.statusCode).toBe(201);
      const { leadId, workflowId } = res.json();
      const [raw] = await smtp.waitFor(1, 30_000);
      const mail = await simpleParser(raw);
      expect(mail.to && 'text' in mail.to ? mail.to.text : '').toContain('piotr@acme.test');
      const link = /https?:\/\/leads\.test(\/confirm\/[^"'\s<>]+)/.exec(String(mail.html))?.[1];
      expect(link).toBeDefined();

      // A repeat form post for the pending person sends no second confirmation.
      expect((await s.api.inject({ method: 'POST', url: '/leads', headers: s.auth('intake'), payload: { ...body, eventId: 'second-post' } })).statusCode).toBe(200);
      // Counted once the workflow has handled that post (a second confirmation would have been sent by then).
      await untilSignalHandled(env.client.workflow.getHandle(workflowId), 'intake:second-post');
      expect(smtp.received).toHaveLength(1);
      const logs = await t.db.emailLog.findMany({ where: { leadId } });
      expect(logs.filter((l) => l.status === 'sent')).toEqual([expect.objectContaining({ idempotencyKey: `${leadId}:double-opt-in`, template: 'double-opt-in', kind: 'transactional' })]);
      let lead = await t.db.lead.findUniqueOrThrow({ where: { id: leadId } });
      expect(lead).toMatchObject({ consentStatus: 'pending', consentSource: 'pricing page form', consentTextVersion: 'newsletter-v2', consentAt: null });
      // The drip's first marketing mail is waiting for consent, not sent and not dropped.
      const view = await env.client.workflow.getHandle(workflowId).query(stateQuery);
      expect(view.sequence).not.toBeNull();

      // Opening the link (a person, or a mail scanner following every link) confirms nothing: it asks.
      const page = await s.api.inject({ method: 'GET', url: link! });
      expect(page.statusCode).toBe(200);
      expect(page.body).toMatch(/<form method="post">[\s\S]*<button type="submit">Confirm<\/button>/);
      expect((await t.db.lead.findUniqueOrThrow({ where: { id: leadId } })).consentStatus).toBe('pending');
      const before = Date.now();
      const confirm = await s.api.inject({ method: 'POST', url: link!, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
      expect(confirm.statusCode).toBe(200);
      expect((await s.api.inject({ method: 'POST', url: `${link!.slice(0, -2)}xx` })).statusCode).toBe(403);
      lead = await t.db.lead.findUniqueOrThrow({ where: { id: leadId } });
      expect(lead.consentStatus).toBe('confirmed');
      expect(lead.consentAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(lead).toMatchObject({ consentSource: 'pricing page form', consentTextVersion: 'newsletter-v2' });

      // Once confirmed, the deferred marketing mail goes out when its deferral ends.
      await env.sleep('26 hours');
      const [, drip] = await smtp.waitFor(2, 30_000);
      const dripMail = await simpleParser(drip);
      expect(String(dripMail.headers.get('x-leadflow-key'))).toMatch(new RegExp(`^${leadId}:${view.sequence!.id}:`));
      expect(drip.toString()).toMatch(/^List-Unsubscribe:\s/m);
      const v2 = await env.client.workflow.getHandle(workflowId).query(stateQuery);
      expect(v2.score.events.map((e) => e.type)).toContain('consent_confirmed');
      expect(smtp.received.filter((m) => m.toString().includes('/confirm/'))).toHaveLength(1);
    });
  } finally {
    close();
  }
});
