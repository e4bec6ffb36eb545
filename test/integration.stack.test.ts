// The real stack on loopback: Temporal dev server (CLI), PostgreSQL, real activities, SMTP sink, API.
// A lead comes in, gets its first drip mail, shows up in visibility by its search attributes, and
// unsubscribes with the one-click link from that mail.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { createActivities } from '../activities';
import { linksPlugin } from '../api/links';
import { mailPlugin } from '../api/mail';
import { buildApi } from '../api/server';
import { loadConfig, type Config } from '../runtime/config';
import { startDevServerOnFreePorts, type DevServer } from '../dev/dev-server';
import { intakeLead } from '../domain/intake/intake';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink';
import { sharedWorkflowBundlePath } from './helpers/workflow-bundle';
import { createWorkers, type Workers } from '../worker/worker';
import { stateQuery } from '../workflows/lead/messages';
import { createTestDb, type TestDb } from './helpers/db';
import { eventuallyValue } from './helpers/eventually';
import { freePort } from './helpers/ports';

let dir: string;
let dev: DevServer;
let t: TestDb;
let sink: SmtpSink;
let client: Client;
let workers: Workers;
let running: Promise<void>;
let nativeConnection: NativeConnection;
let closeMail: () => void;
let config: Config;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'leadflow-it-'));
  dev = await startDevServerOnFreePorts({ dataDir: dir, namespace: 'default' }, freePort);
  t = await createTestDb();
  sink = await startSmtpSink({ port: 0 });
  // The run's prebuilt bundle (WORKFLOW_BUNDLE, as production workers load it): no webpack per file.
  const bundle = sharedWorkflowBundlePath();
  config = loadConfig({ DATA_DIR: dir, TASK_QUEUE: `it-${process.pid}`, LINK_SIGNING_SECRET: 'z'.repeat(40), QUIET_HOURS: '00:00-00:01', ...(bundle ? { WORKFLOW_BUNDLE: bundle } : {}) });
  client = new Client({ connection: await Connection.connect({ address: dev.address }) });
  const acts = createActivities({
    db: t.db,
    email: { smtp: { host: '127.0.0.1', port: sink.port, secure: false }, from: 'Acme <a@acme.test>', companyName: 'Acme', companyAddress: '1 Main St', publicBaseUrl: 'http://leads.test', siteUrl: 'https://www.acme.test', linkSecret: config.LINK_SIGNING_SECRET, quietHours: { start: '00:00', end: '00:01' }, cap: { max: 10, days: 7 } },
  });
  const { close, ...activities } = acts;
  closeMail = close;
  nativeConnection = await NativeConnection.connect({ address: dev.address });
  workers = await createWorkers({ connection: nativeConnection, config, activities });
  running = workers.run();
}, 120_000);

afterAll(async () => {
  workers?.shutdown();
  await running;
  await nativeConnection?.close();
  closeMail?.();
  await client?.connection.close();
  await sink?.stop();
  await t?.cleanup();
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('intake -> drip mail at the SMTP sink -> search attributes -> one-click unsubscribe ends the lead', async () => {
  const api = await buildApi({ db: t.db, temporal: client, config, sink }, [mailPlugin, linksPlugin]);
  const { leadId, workflowId, created } = await intakeLead({ db: t.db, temporal: client, taskQueue: config.TASK_QUEUE }, {
    email: ' Ola.Nowak@Example.PL ', firstName: 'Ola', company: 'Acme', locale: 'pl', timezone: 'Europe/Warsaw', country: 'PL', source: 'web_form', consent: 'confirmed',
  });
  expect(created).toBe(true);
  const again = await intakeLead({ db: t.db, temporal: client, taskQueue: config.TASK_QUEUE }, { email: 'ola.nowak@example.pl', jobTitle: 'CEO', source: 'chat', consent: 'confirmed' });
  expect(again).toMatchObject({ leadId, created: false });

  const [m] = await sink.waitFor(1, 30_000);
  expect(m.to).toEqual(['ola.nowak@example.pl']);
  expect(m.headers['content-language']).toBe('pl');

  const handle = client.workflow.getHandle(workflowId);
  let v = await handle.query(stateQuery);
  expect(v.stage).toBe('nurturing');
  expect(v.score.profileParts.map((p) => p.rule)).toContain('job title "ceo"');
  // Visibility is eventually consistent: poll briefly for the search attributes.
  const listed = async (): Promise<string[]> => {
    const ids: string[] = [];
    for await (const w of client.workflow.list({ query: `LeadStage = "nurturing" AND LeadSource = "web_form" AND WorkflowId = "${workflowId}"` })) ids.push(w.workflowId);
    return ids;
  };
  expect(await eventuallyValue(listed, (ids) => ids.length > 0, 'the lead in visibility by its search attributes', { withinMs: 10_000, everyMs: 250 })).toEqual([workflowId]);
  expect((await t.db.leadEvent.findMany({ where: { leadId } })).map((e) => e.type)).toEqual(expect.arrayContaining(['lead_created', 'stage_changed', 'form_submitted', 'sequence_entered', 'profile_updated']));

  const rawHeaders = String(sink.raw(m.id)).split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const unsub = /^List-Unsubscribe: <([^>]+)>$/m.exec(rawHeaders)![1];
  const res = await api.inject({ method: 'POST', url: new URL(unsub).pathname, payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  expect(res.statusCode).toBe(200);
  expect(await handle.result()).toEqual({ stage: 'unsubscribed', clientId: null });
  expect(await t.db.lead.findUniqueOrThrow({ where: { id: leadId } })).toMatchObject({ stage: 'unsubscribed', consentStatus: 'withdrawn' });
  const forged = await api.inject({ method: 'POST', url: `${new URL(unsub).pathname}x` });
  expect(forged.statusCode).toBe(403);
  await api.close();
  v = await handle.query(stateQuery);
  expect(v.history.transitions.at(-1)).toMatchObject({ to: 'unsubscribed' });
});
