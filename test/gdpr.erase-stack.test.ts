// GDPR erasure proven on the real stack (issue 18): a person with a unique marker in the address,
// names, company, phone, a survey comment and a refusal note lives through intake, mails, hand-off,
// rejection, survey, a re-contact task and a second offer to sales, with the real worker (real
// activities), PostgreSQL, the mail sink writing files and the Temporal dev server. After
// POST /leads/:id/erase the marker is searched in every column of every table (enumerated from
// information_schema), every file of the sink (raw and decoded) and every Temporal history of the
// namespace (listed, fetched, payloads decoded): zero times. The same searches find it before the
// erasure, so the test would see a leak.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { simpleParser } from 'mailparser';
import { tmpdir } from 'os';
import path from 'path';
import pg from 'pg';
import { createActivities } from '../activities';
import { createApiKey } from '../api/auth';
import { createIntakePlugin } from '../api/intake';
import { linksPlugin } from '../api/links';
import { mailPlugin } from '../api/mail';
import { managersPlugin } from '../api/managers';
import { buildApi } from '../api/server';
import { surveyPlugin } from '../api/survey';
import { emailConfig, loadConfig, type Config } from '../runtime/config';
import { startDevServerOnFreePorts, type DevServer } from '../dev/dev-server';
import { createEmailVerifier } from '../domain/intake/email-verification';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink';
import { createWorkers, type Workers } from '../worker/worker';
import { ensureErasureSweepSchedule } from '../worker/schedules';
import { rejectLead } from '../domain/sales/refusal-note';
import { requalifyNowUpdate, stateQuery } from '../workflows/lead/messages';
import { eventually } from './helpers/eventually';
import { createTestDb, type TestDb } from './helpers/db';
import { freePort } from './helpers/ports';
import { fakeResolver, validLead } from './intake.helpers';

const M = `qx${Math.random().toString(36).slice(2, 10)}`;
const PHONE_DIGITS = String(Math.floor(10_000_000 + Math.random() * 89_999_999));
const PERSON = {
  email: `${M}.kowalska@${M}-firma.test`,
  firstName: `Ola${M}`,
  lastName: `Kowalska${M}`,
  company: `${M} Consulting`,
  phone: `+48 6${PHONE_DIGITS}`,
  jobTitle: 'CEO',
  companySize: 300,
  website: `https://${M}-firma.test`,
};
const MARKERS = [M, PHONE_DIGITS];

let dir: string;
let dev: DevServer;
let t: TestDb;
let sink: SmtpSink;
let client: Client;
let workers: Workers;
let running: Promise<void>;
let native: NativeConnection;
let closeMail: () => void;
let config: Config;
let api: FastifyInstance;
let auth: { intake: Record<string, string>; admin: Record<string, string> };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'leadflow-erase-'));
  [dev, t] = await Promise.all([startDevServerOnFreePorts({ dataDir: path.join(dir, 'temporal'), namespace: 'default' }, freePort), createTestDb()]);
  sink = await startSmtpSink({ port: 0, dir: path.join(dir, 'mail') });
  config = {
    ...loadConfig({ DATA_DIR: dir, TASK_QUEUE: `erase-${process.pid}`, LINK_SIGNING_SECRET: 'e'.repeat(40), QUIET_HOURS: '00:00-00:01', FREQUENCY_CAP: '50/1d', SMTP_PORT: String(sink.port), PUBLIC_BASE_URL: 'http://leads.test' }),
    DATABASE_URL: t.url,
  };
  client = new Client({ connection: await Connection.connect({ address: dev.address }) });
  const { close, ...activities } = createActivities({ db: t.db, email: emailConfig(config) });
  closeMail = close;
  native = await NativeConnection.connect({ address: dev.address });
  workers = await createWorkers({ connection: native, config, activities });
  running = workers.run();
  api = await buildApi({ db: t.db, temporal: client, config, sink }, [mailPlugin, linksPlugin, surveyPlugin, managersPlugin, createIntakePlugin({ verifier: createEmailVerifier({ resolver: fakeResolver }) })]);
  const key = async (scope: 'intake' | 'admin') => ({ authorization: `Bearer ${(await createApiKey(t.db, `${scope} key`, [scope])).key}` });
  auth = { intake: await key('intake'), admin: await key('admin') };
}, 180_000);

afterAll(async () => {
  await api?.close();
  workers?.shutdown();
  await running;
  await native?.close();
  closeMail?.();
  await client?.connection.close();
  await sink?.stop();
  await t?.cleanup();
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const waitUntil = (ok: () => Promise<boolean>, what: string, withinMs = 60_000): Promise<void> => eventually(ok, what, { withinMs, everyMs: 200 });

/** Every column of every table of the database, as text, with where each value came from. */
async function databaseDump(): Promise<{ where: string; text: string }[]> {
  const c = new pg.Client({ connectionString: t.url });
  await c.connect();
  try {
    const cols = await c.query<{ table_name: string; column_name: string }>(`SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`);
    const byTable = new Map<string, string[]>();
    for (const r of cols.rows) byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r.column_name]);
    expect([...byTable.keys()]).toEqual(expect.arrayContaining(['Lead', 'LeadEvent', 'EmailLog', 'Task', 'Assignment', 'SurveyResponse', 'Suppression', 'Client', 'Manager']));
    const out: { where: string; text: string }[] = [];
    for (const [table, columns] of byTable) {
      for (const column of columns) {
        const rows = await c.query<{ v: string | null }>(`SELECT "${column}"::text AS v FROM "${table}"`);
        for (const r of rows.rows) if (r.v !== null) out.push({ where: `${table}.${column}`, text: r.v });
      }
    }
    return out;
  } finally {
    await c.end();
  }
}

/** Every file the sink wrote, raw and decoded (bodies may be quoted-printable or base64). */
async function sinkDump(): Promise<{ where: string; text: string }[]> {
  const folder = path.join(dir, 'mail');
  const out: { where: string; text: string }[] = [];
  for (const f of readdirSync(folder)) {
    const raw = readFileSync(path.join(folder, f));
    out.push({ where: `mail/${f}`, text: raw.toString('utf8') });
    if (f.endsWith('.eml')) {
      const m = await simpleParser(raw);
      out.push({ where: `mail/${f} (decoded)`, text: [m.subject, m.text, typeof m.html === 'string' ? m.html : '', JSON.stringify([...m.headers])].join('\n') });
    }
  }
  return out;
}

/** Strings and decoded byte arrays (payloads) of a history, walked whole. */
function texts(x: unknown, out: string[]): void {
  if (x === null || x === undefined) return;
  if (typeof x === 'string') out.push(x);
  else if (x instanceof Uint8Array) out.push(Buffer.from(x).toString('utf8'));
  else if (Array.isArray(x)) for (const y of x) texts(y, out);
  else if (typeof x === 'object') for (const v of Object.values(x as Record<string, unknown>)) texts(v, out);
}

/** Every workflow of the namespace (any status): its listing, search attributes and full history. */
async function temporalDump(): Promise<{ where: string; text: string }[]> {
  const out: { where: string; text: string }[] = [];
  for await (const w of client.workflow.list()) {
    const listing: string[] = [];
    texts([w.workflowId, w.type, w.searchAttributes, w.memo], listing);
    out.push({ where: `temporal ${w.workflowId} listing`, text: listing.join('\n') });
    try {
      const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
      const all: string[] = [];
      texts(history, all);
      out.push({ where: `temporal ${w.workflowId}/${w.runId} history`, text: all.join('\n') });
    } catch (e) {
      // Listed a moment after its deletion (visibility lags): only "not found" is acceptable.
      expect(String((e as Error).message)).toMatch(/not found/i);
    }
  }
  return out;
}

const hits = (dump: { where: string; text: string }[]): string[] => dump.filter((d) => MARKERS.some((m) => d.text.toLowerCase().includes(m.toLowerCase()))).map((d) => d.where);

test('after erase, the marker is nowhere: every table and column, the sink files, every Temporal history', async () => {
  const db = t.db;
  const allDay = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' };
  const manager = await db.manager.create({ data: { name: 'Anna Sales', email: 'anna@sales.test', languages: ['pl', 'en'], regions: [], tier: 1, conversionRate: 0.3, capacity: 5, timezone: 'Europe/Warsaw', workingHours: allDay, outOfOffice: [] } });

  // Intake through the API, with every profile field carrying the marker.
  const created = await api.inject({ method: 'POST', url: '/leads', headers: auth.intake, payload: validLead(PERSON) });
  expect(created.statusCode).toBe(201);
  const { leadId, workflowId } = created.json() as { leadId: string; workflowId: string };
  const handle = client.workflow.getHandle(workflowId);
  const mailsTo = (to: string) => sink.mails().filter((m) => m.to.includes(to));
  await waitUntil(async () => mailsTo(PERSON.email.toLowerCase()).length >= 1, 'the first drip mail');

  // Hand-off: a demo request and a pricing visit make the lead hot; it is offered to the manager.
  // The visited address carries the marker (a campaign link naming the person): behaviour the workflow
  // holds, so its history has the marker until the erasure deletes it.
  for (const [id, type, data] of [['e-pricing', 'page_viewed', { url: `/pricing?ref=${M}-link` }], ['e-demo', 'demo_booked', {}]] as const) {
    expect((await api.inject({ method: 'POST', url: `/leads/${leadId}/events`, headers: auth.intake, payload: { id, type, data } })).statusCode).toBe(202);
  }
  await waitUntil(async () => (await db.assignment.count({ where: { leadId, status: 'offered' } })) === 1, 'the offer to sales');
  await waitUntil(async () => mailsTo('anna@sales.test').length >= 1, "the manager's lead card");

  // Rejection with a note, the farewell mail, the survey answered through its link with a comment.
  await rejectLead({ db, temporal: client }, leadId, { reason: 'bad_timing', by: 'sales', note: `budget frozen until Q3 (${M}-note)` });
  // The farewell's survey button, followed as a person does: the click link redirects to the survey.
  await waitUntil(async () => (await db.emailLog.count({ where: { leadId, template: 'farewell', status: 'sent' } })) === 1, 'the farewell mail');
  await waitUntil(async () => sink.mails().some((m) => m.headers['x-leadflow-key']?.startsWith(`${leadId}:farewell-survey:`)), 'the farewell at the sink');
  const farewell = sink.mails().find((m) => m.headers['x-leadflow-key']?.startsWith(`${leadId}:farewell-survey:`))!;
  const clicks = [...farewell.text.matchAll(/\[(http:\/\/leads\.test\/c\/[^\]]+)\]/g)].map((x) => new URL(x[1]).pathname);
  const redirects = await Promise.all(clicks.map((c) => api.inject({ url: c })));
  const surveyUrl = redirects.map((r) => String(r.headers.location ?? '')).find((l) => l.includes('/survey/'))!;
  expect(surveyUrl).toBeTruthy();
  const surveyPath = new URL(surveyUrl).pathname;
  const answered = await api.inject({ method: 'POST', url: surveyPath, payload: new URLSearchParams({ reason: 'bad_timing', timing: 'in_3_months', comment: `call after Q3 (${M}-comment)` }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  expect(answered.statusCode).toBe(200);
  await waitUntil(async () => (await handle.query(stateQuery)).stage === 'deferred', 'deferred after the survey');

  // Re-contact: re-qualified now, the survey said "later": a task (details: note, comment) and its mail.
  await handle.executeUpdate(requalifyNowUpdate, { args: [{ reason: 'test' }] });
  await waitUntil(async () => (await db.task.count({ where: { leadId } })) === 1, 'the re-contact task');
  await waitUntil(async () => sink.mails().some((m) => m.to.includes('anna@sales.test') && /Re-contact/i.test(m.subject)), 'the re-contact task mail');
  // Warm again: offered to sales a second time, and left open (the manager's capacity is in use).
  for (const id of ['e-demo-2', 'e-pricing-2']) {
    const type = id.startsWith('e-demo') ? 'demo_booked' : 'page_viewed';
    await api.inject({ method: 'POST', url: `/leads/${leadId}/events`, headers: auth.intake, payload: { id, type, data: type === 'page_viewed' ? { url: '/pricing' } : {} } });
  }
  await waitUntil(async () => (await db.assignment.count({ where: { leadId, status: 'offered' } })) === 1, 'the second offer');
  expect((await db.manager.findUniqueOrThrow({ where: { id: manager.id } })).openLeads).toBe(1);

  // No contact data in the workflow (issue 18): not in its input, not in any activity it scheduled or
  // its result (mails, routing, tasks: the activities read the row), no update's input, not in its state query.
  // Nor the refusal note or the survey comment (their text stays in the database).
  const contact = [PERSON.email, PERSON.firstName, PERSON.lastName, PERSON.company, PHONE_DIGITS, `${M}-note`, `${M}-comment`].map((x) => x.toLowerCase());
  const leadHistory = await handle.fetchHistory();
  const carried: string[] = [];
  for (const e of leadHistory.events ?? []) texts([e.workflowExecutionStartedEventAttributes?.input, e.activityTaskScheduledEventAttributes?.input, e.workflowExecutionContinuedAsNewEventAttributes?.input, e.markerRecordedEventAttributes?.details, e.activityTaskCompletedEventAttributes?.result, e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input], carried);
  texts(JSON.stringify(await handle.query(stateQuery)), carried);
  expect(carried.length).toBeGreaterThan(10);
  expect(contact.filter((c) => carried.some((x) => x.toLowerCase().includes(c)))).toEqual([]);
  // ... yet every mail greeted the person by name, and the manager's cards named them (read from the row).
  expect(sink.mails().filter((m) => m.to.includes('anna@sales.test')).every((m) => m.text.includes(PERSON.email.toLowerCase()) && m.text.includes(PERSON.company))).toBe(true);
  const recontactMail = sink.mails().find((m) => m.to.includes('anna@sales.test') && /Re-contact/i.test(m.subject))!;
  for (const text of [`${M}-note`, `${M}-comment`]) expect(recontactMail.text).toContain(text);
  expect(mailsTo(PERSON.email.toLowerCase()).every((m) => m.text.includes(PERSON.firstName))).toBe(true);

  // The searches see the person before the erasure (so they would see a leak after it).
  const before = { db: hits(await databaseDump()), sink: hits(await sinkDump()), temporal: hits(await temporalDump()) };
  expect(before.db).toEqual(expect.arrayContaining(['Lead.email', 'Lead.firstName', 'Lead.phone', 'LeadEvent.payload', 'SurveyResponse.answers', 'Task.details', 'EmailLog.toAddress']));
  expect(before.sink.length).toBeGreaterThan(0);
  expect(before.temporal.length).toBeGreaterThan(0);
  const mailsBefore = sink.mails().length;

  const erased = await api.inject({ method: 'POST', url: `/leads/${leadId}/erase`, headers: auth.admin });
  expect(erased.statusCode).toBe(200);
  expect(erased.json()).toMatchObject({ leadId, erased: true, workflow: 'terminated', pending: [], assignmentsReleased: 1 });
  expect(erased.json().sinkMailsRemoved).toBe(mailsBefore);

  const after = { db: hits(await databaseDump()), sink: hits(await sinkDump()), temporal: hits(await temporalDump()) };
  expect(after).toEqual({ db: [], sink: [], temporal: [] });
  // The manager's slot is free again, the task cancelled, the row erased with nothing pending.
  expect((await db.manager.findUniqueOrThrow({ where: { id: manager.id } })).openLeads).toBe(0);
  expect(await db.assignment.count({ where: { leadId, status: { in: ['offered', 'accepted'] } } })).toBe(0);
  expect(await db.task.findFirstOrThrow({ where: { leadId } })).toMatchObject({ status: 'cancelled', details: { erased: true } });
  expect(await db.lead.findUniqueOrThrow({ where: { id: leadId } })).toMatchObject({ stage: 'erased', erasurePending: [] });
}, 300_000);

test('a history the server has not removed yet is reported pending, kept on the row, and finished by the eraseLeadHistory workflow', async () => {
  const db = t.db;
  const marker = `${M}later`;
  const created = await api.inject({ method: 'POST', url: '/leads', headers: auth.intake, payload: validLead({ email: `${marker}@${marker}-firma.test`, firstName: `Jan${marker}`, lastName: 'Nowak', company: `${marker} Ltd`, phone: '+48 22 555 01 01' }) });
  expect(created.statusCode).toBe(201);
  const { leadId, workflowId } = created.json() as { leadId: string; workflowId: string };
  await waitUntil(async () => sink.mails().some((m) => m.to.includes(`${marker}@${marker}-firma.test`)), 'its first mail');
  // One-click unsubscribe from that mail: the lead's workflow ends (a closed run the server deletes later).
  const mail = sink.mails().find((m) => m.to.includes(`${marker}@${marker}-firma.test`))!;
  const rawHeaders = String(sink.raw(mail.id)).split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const unsubscribe = /^List-Unsubscribe: <([^>]+)>$/m.exec(rawHeaders)![1];
  expect((await api.inject({ method: 'POST', url: new URL(unsubscribe).pathname, payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).statusCode).toBe(200);
  await client.workflow.getHandle(workflowId).result();

  const erased = await api.inject({ method: 'POST', url: `/leads/${leadId}/erase`, headers: auth.admin });
  expect(erased.json()).toMatchObject({ leadId, erased: true, workflow: 'not_running', pending: ['temporal_history'] });
  expect(await db.lead.findUniqueOrThrow({ where: { id: leadId } })).toMatchObject({ stage: 'erased', erasurePending: ['temporal_history'] });
  // Asked again meanwhile: still pending, never "done" before it is.
  const again = (await api.inject({ method: 'POST', url: `/leads/${leadId}/erase`, headers: auth.admin })).json();
  expect(again.erased).toBe(false);
  // The retry workflow on the real worker confirms the deletion and clears the row.
  await waitUntil(async () => (await db.lead.findUniqueOrThrow({ where: { id: leadId } })).erasurePending.length === 0, 'the history deletion retried to its end', 120_000);
  expect(await db.leadEvent.count({ where: { leadId, type: 'erasure_completed', reason: 'temporal_history' } })).toBe(1);
  await expect(client.workflow.getHandle(workflowId).describe()).rejects.toThrow(/not found/i);
  const leaks = (await temporalDump()).filter((d) => d.text.toLowerCase().includes(marker)).map((d) => d.where);
  expect(leaks).toEqual([]);
  // The row is cleared by the workflow's last activity; the workflow completes right after it.
  const retry = client.workflow.getHandle(`erase-${leadId}`);
  await retry.result();
  expect((await retry.describe()).status.name).toBe('COMPLETED');
}, 180_000);

test('an erasure while Temporal is unreachable is reported pending, never done; the erasure sweep (schedule) finishes it', async () => {
  const db = t.db;
  const marker = `${M}away`;
  const created = await api.inject({ method: 'POST', url: '/leads', headers: auth.intake, payload: validLead({ email: `${marker}@${marker}-firma.test`, firstName: `Eva${marker}`, lastName: 'Nowak', company: `${marker} Ltd`, phone: '+48 22 555 01 02' }) });
  expect(created.statusCode).toBe(201);
  const { leadId, workflowId } = created.json() as { leadId: string; workflowId: string };
  await waitUntil(async () => sink.mails().some((m) => m.to.includes(`${marker}@${marker}-firma.test`)), 'its first mail');

  // The API's Temporal is away: nothing listens on its address (no gRPC retries, a short connect timeout).
  const away = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}`, interceptors: [], connectTimeout: '1s' }) });
  const cut = await buildApi({ db, temporal: away, config, sink }, [createIntakePlugin({ verifier: createEmailVerifier({ resolver: fakeResolver }) })]);
  try {
    const erased = await cut.inject({ method: 'POST', url: `/leads/${leadId}/erase`, headers: auth.admin });
    expect(erased.statusCode).toBe(200);
    expect(erased.json()).toMatchObject({ leadId, erased: true, workflow: 'error', pending: ['temporal_history'] });
  } finally {
    await cut.close();
    await away.connection.close();
  }
  // Recorded as pending; no retry workflow could start; the lead's history is still there.
  expect(await db.lead.findUniqueOrThrow({ where: { id: leadId } })).toMatchObject({ stage: 'erased', erasurePending: ['temporal_history'] });
  await expect(client.workflow.getHandle(`erase-${leadId}`).describe()).rejects.toThrow(/not found/i);
  await client.workflow.getHandle(workflowId).describe();

  // Temporal is back: the sweep's schedule (as the `schedules` role and `npm start` create it) fires.
  const scheduleId = await ensureErasureSweepSchedule(client, config.TASK_QUEUE);
  try {
    await client.schedule.getHandle(scheduleId).trigger();
    await waitUntil(async () => (await db.lead.findUniqueOrThrow({ where: { id: leadId } })).erasurePending.length === 0, 'the swept erasure to finish', 120_000);
  } finally {
    await client.schedule.getHandle(scheduleId).delete();
  }
  expect(await db.leadEvent.count({ where: { leadId, type: 'erasure_completed', reason: 'temporal_history' } })).toBe(1);
  await expect(client.workflow.getHandle(workflowId).describe()).rejects.toThrow(/not found/i);
  await client.workflow.getHandle(`erase-${leadId}`).result();
  const leaks = (await temporalDump()).filter((d) => d.text.toLowerCase().includes(marker)).map((d) => d.where);
  expect(leaks).toEqual([]);
  // Swept again: nothing left to do.
  expect(await client.workflow.execute('sweepErasures', { taskQueue: config.TASK_QUEUE, workflowId: `sweep-${leadId}` })).toEqual({ pending: 0, running: 0 });
}, 180_000);
