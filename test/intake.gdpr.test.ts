// GDPR on a real Temporal (time-skipping server): export holds everything about a lead; erase
// leaves no personal data anywhere in the database, stops the workflow, keeps a suppression hash,
// and a later intake (API or CSV import) of the same address is refused.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createHash } from 'crypto';
import { addressHash } from '../domain/mail/email-hash';
import { createEmailVerifier } from '../domain/intake/email-verification';
import { importLeads } from '../domain/intake/lead-import';
import { createTestDb, type TestDb } from './helpers/db';
import { createTimeSkippingEnv } from './helpers/temporal';
import { fakeResolver, intakeApi, validLead, type IntakeApi } from './intake.helpers';

let env: TestWorkflowEnvironment;
let t: TestDb;
let s: IntakeApi;
const taskQueue = `intake-gdpr-${process.pid}`;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  t = await createTestDb();
  s = await intakeApi(t, env.client, taskQueue);
}, 120_000);

afterAll(async () => {
  await s?.api.close();
  for (const l of (await t?.db.lead.findMany({ select: { workflowId: true } })) ?? []) await env.client.workflow.getHandle(l.workflowId).terminate('test cleanup').catch(() => undefined);
  await t?.cleanup();
  await env?.teardown();
});

const PERSON = { email: 'Zofia.Wroblewska@Wroblewska-Consulting.test', firstName: 'Zofia', lastName: 'Wróblewska', company: 'Wróblewska Consulting', phone: '+48 601 222 333', website: 'https://wroblewska-consulting.test', jobTitle: 'Owner' };
const TRACES = ['zofia', 'wroblewska', 'wróblewska', '601 222 333', '601222333'];

/** Every row of every table, as text, to search for traces of the person. */
async function everything(): Promise<string> {
  const d = t.db;
  const all = await Promise.all([d.lead.findMany(), d.leadEvent.findMany(), d.emailLog.findMany(), d.client.findMany(), d.surveyResponse.findMany(), d.assignment.findMany(), d.suppression.findMany()]);
  return JSON.stringify(all).toLowerCase();
}

test('export, erase, and a later intake of the same address respects the suppression', async () => {
  const created = await s.api.inject({ method: 'POST', url: '/leads', headers: s.auth('intake'), payload: validLead({ ...PERSON, consent: { status: 'pending', textVersion: 'nl-v3', source: 'footer form' } }) });
  expect(created.statusCode).toBe(201);
  const { leadId, workflowId } = created.json();
  const ev = await s.api.inject({ method: 'POST', url: `/leads/${leadId}/events`, headers: s.auth('intake'), payload: { id: 'dl-1', type: 'document_downloaded', data: { note: 'Zofia asked for the price list' } } });
  expect(ev.statusCode).toBe(202);
  // What the workflow and activities would have written meanwhile (history, mail, survey, sales).
  const manager = await t.db.manager.create({ data: { name: 'Anna', email: 'anna@sales.test', languages: [], regions: [], workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }, outOfOffice: [] } });
  await t.db.leadEvent.create({ data: { leadId, type: 'profile_updated', dedupKey: `${leadId}:x1`, reason: 'merged from Zofia Wróblewska', payload: { firstName: 'Zofia', phone: PERSON.phone }, occurredAt: new Date() } });
  await t.db.leadEvent.create({ data: { leadId, type: 'stage_changed', dedupKey: `${leadId}:x2`, stageFrom: 'new', stageTo: 'nurturing', reason: 'first touch via web_form', occurredAt: new Date() } });
  await t.db.emailLog.create({ data: { idempotencyKey: `${leadId}:double-opt-in`, leadId, template: 'double-opt-in', locale: 'pl', kind: 'transactional', toAddress: PERSON.email.toLowerCase(), subject: 'Zofia, please confirm', status: 'sent', sentAt: new Date() } });
  await t.db.surveyResponse.create({ data: { leadId, answers: { reason: 'bad_timing', comment: 'Zofia here, call me on +48 601 222 333' } } });
  await t.db.assignment.create({ data: { leadId, managerId: manager.id, status: 'won', reason: 'tier 1' } });
  await t.db.client.create({ data: { leadId, companyName: PERSON.company, contactName: 'Zofia Wróblewska', email: PERSON.email.toLowerCase(), phone: PERSON.phone, managerId: manager.id, dealValue: 1000, grossMargin: 400, wonAt: new Date() } });

  const exp = await s.api.inject({ method: 'GET', url: `/leads/${leadId}/export`, headers: s.auth('admin') });
  expect(exp.statusCode).toBe(200);
  const data = exp.json();
  expect(data.lead).toMatchObject({ id: leadId, email: PERSON.email.toLowerCase(), firstName: 'Zofia', consentStatus: 'pending', consentTextVersion: 'nl-v3', consentSource: 'footer form' });
  expect(data.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['profile_updated', 'stage_changed']));
  expect(data.emails).toHaveLength(1);
  expect(data.surveyResponses[0].answers.reason).toBe('bad_timing');
  expect(data.assignments[0]).toMatchObject({ status: 'won', manager: { name: 'Anna' } });
  expect(data.client).toMatchObject({ dealValue: 1000, contactName: 'Zofia Wróblewska' });
  expect(exp.headers['content-disposition']).toContain(`lead-${leadId}.json`);
  const byEmail = await s.api.inject({ method: 'GET', url: `/leads?email=${encodeURIComponent(PERSON.email)}`, headers: s.auth('admin') });
  expect(byEmail.json()).toMatchObject({ id: leadId });

  expect(TRACES.some((x) => exp.body.toLowerCase().includes(x))).toBe(true);
  const erased = await s.api.inject({ method: 'POST', url: `/leads/${leadId}/erase`, headers: s.auth('admin') });
  expect(erased.statusCode).toBe(200);
  expect(erased.json()).toMatchObject({ leadId, erased: true, workflow: 'terminated', assignmentsReleased: 0 });
  // Whatever could not be deleted yet is said, in the answer and on the row (the time-skipping server
  // may not delete histories: then it is pending, never reported as done).
  expect((await t.db.lead.findUniqueOrThrow({ where: { id: leadId } })).erasurePending).toEqual(erased.json().pending);

  const dump = await everything();
  for (const x of [...TRACES, PERSON.email.toLowerCase(), 'wroblewska-consulting']) expect(dump).not.toContain(x);
  expect((await env.client.workflow.getHandle(workflowId).describe()).status.name).toBe('TERMINATED');
  // A keyed hash: the plain SHA-256 of the address (what a list of addresses is hashed into) is not stored.
  const h = await addressHash(t.db, PERSON.email);
  expect(await t.db.suppression.findUnique({ where: { emailHash: h.hash } })).toMatchObject({ reason: 'erased', kid: h.kid });
  expect(await t.db.suppression.count({ where: { emailHash: createHash('sha256').update(PERSON.email.toLowerCase()).digest('hex') } })).toBe(0);
  // The funnel still counts the lead: its row, stages and the sale stay, anonymous.
  expect(await t.db.lead.findUniqueOrThrow({ where: { id: leadId } })).toMatchObject({ stage: 'erased', source: 'web_form', firstName: null, consentStatus: 'withdrawn' });
  expect(await t.db.leadEvent.count({ where: { leadId, type: 'stage_changed', stageTo: 'nurturing' } })).toBe(1);
  expect(await t.db.client.findUniqueOrThrow({ where: { leadId } })).toMatchObject({ dealValue: 1000, grossMargin: 400 });
  expect(await t.db.surveyResponse.count({ where: { leadId } })).toBe(0);

  const leads = await t.db.lead.count();
  const again = await s.api.inject({ method: 'POST', url: '/leads', headers: s.auth('intake'), payload: validLead({ ...PERSON, email: ` ${PERSON.email.toUpperCase()} ` }) });
  expect(again.statusCode).toBe(409);
  expect(again.json().errors[0].field).toBe('email');
  const csv = `email,first_name\n${PERSON.email},Zofia\nnew.person@acme.test,Nowy\n`;
  const imported = await importLeads({ db: t.db, temporal: env.client, taskQueue, verifier: createEmailVerifier({ resolver: fakeResolver }) }, csv);
  expect(imported).toMatchObject({ created: 1, suppressed: [{ line: 2, email: PERSON.email }] });
  expect(await t.db.lead.count()).toBe(leads + 1);
  expect(await everything()).not.toContain('zofia');
  // Events about an erased lead are refused; erasing twice is harmless.
  expect((await s.api.inject({ method: 'POST', url: `/leads/${leadId}/events`, headers: s.auth('intake'), payload: { id: 'pv-9', type: 'page_viewed' } })).statusCode).toBe(404);
  expect((await s.api.inject({ method: 'POST', url: `/leads/${leadId}/erase`, headers: s.auth('admin') })).json()).toMatchObject({ erased: false });
  expect((await s.api.inject({ method: 'POST', url: '/leads/nope/erase', headers: s.auth('admin') })).statusCode).toBe(404);
});
