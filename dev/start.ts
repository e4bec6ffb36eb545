// `npm start` (`leadflow start`): every role in one process plus the embedded servers — Temporal dev
// server with its Web UI, PostgreSQL (unless DATABASE_URL names one), SMTP sink, data folder — for one machine. SIGINT / SIGTERM stop it all.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import path from 'path';
import { createPrisma } from '../domain/db';
import { rekeySuppressions, useSuppressionKeys } from '../domain/mail/email-hash';
import { devApiKey } from '../api/auth';
import { emailConfig, loadConfig } from '../runtime/config';
import { prepareDatabase, redactUrl } from '../domain/database';
import { startEmbeddedPostgres } from './embedded-postgres';
import { validateDefinitions } from '../domain/content/definitions';
import { startDevServer, type DevServer } from './dev-server';
import { ensureErasureSweepSchedule, ensureOfferSchedules } from '../worker/schedules';
import { seedDemo } from './seed';
import { startSmtpSink, type SmtpSink } from './smtp-sink';
import { listenApi } from '../api/main';
import type { Lifecycle } from '../runtime/lifecycle';
import { assertPortsFree, isAddressInUse, portInUse, type PortUse } from '../runtime/ports';
import { publishShippedContent } from '../domain/content/publish-shipped';
import { runWorkers } from '../worker/main';

export async function runStart(life: Lifecycle): Promise<void> {
  const config = loadConfig();
  validateDefinitions();
  const embedded = !config.TEMPORAL_ADDRESS;
  // Every port this process will open, checked before anything starts: a clash names port and role.
  const ports: PortUse[] = [
    ...(embedded
      ? [
          { port: config.TEMPORAL_PORT, role: 'Temporal dev server', variable: 'TEMPORAL_PORT' },
          { port: config.TEMPORAL_UI_PORT, role: 'Temporal Web UI', variable: 'TEMPORAL_UI_PORT' },
        ]
      : []),
    ...(config.DATABASE_EMBEDDED ? [{ port: config.EMBEDDED_POSTGRES_PORT, role: 'embedded PostgreSQL', variable: 'EMBEDDED_POSTGRES_PORT' }] : []),
    ...(config.SINK_ENABLED ? [{ port: config.SINK_SMTP_PORT, role: 'SMTP sink', variable: 'SINK_SMTP_PORT' }] : []),
    { port: config.API_PORT, role: 'HTTP API', variable: 'API_PORT', host: config.API_HOST },
  ];
  await assertPortsFree(ports);

  // The database first: stopped last, after everything that writes to it.
  if (config.DATABASE_EMBEDDED) {
    const cluster = await startEmbeddedPostgres({ dir: path.join(config.DATA_DIR, 'postgres'), port: config.EMBEDDED_POSTGRES_PORT, database: 'leadflow', logFile: path.join(config.DATA_DIR, 'postgres.log'), durable: true });
    life.defer(() => cluster.stop());
  }
  await prepareDatabase(config.DATABASE_URL);

  let dev: DevServer | undefined;
  let address = config.TEMPORAL_ADDRESS;
  if (!address) {
    dev = await startDevServer({ port: config.TEMPORAL_PORT, uiPort: config.TEMPORAL_UI_PORT, dataDir: config.DATA_DIR, namespace: config.TEMPORAL_NAMESPACE, ...(config.TEMPORAL_CLI_PATH ? { cliPath: config.TEMPORAL_CLI_PATH } : {}) });
    if (dev.process) life.child(dev.process);
    life.defer(() => dev!.stop());
    address = dev.address;
  }
  let sink: SmtpSink | undefined;
  if (config.SINK_ENABLED) {
    sink = await startSmtpSink({ port: config.SINK_SMTP_PORT, dir: path.join(config.DATA_DIR, 'mail') }).catch((e: unknown) => {
      throw isAddressInUse(e) ? portInUse(ports.find((p) => p.variable === 'SINK_SMTP_PORT')!) : e;
    });
    life.defer(() => sink!.stop());
  }
  const db = useSuppressionKeys(createPrisma(config.DATABASE_URL), config.SUPPRESSION_SECRET);
  life.defer(() => db.$disconnect());
  const connection = await Connection.connect({ address });
  life.defer(() => connection.close());
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const api = await listenApi({ db, temporal, config, ...(sink ? { sink } : {}) });
  life.defer(() => api.close());

  const offers = await publishShippedContent(db);
  // Suppressions stored before any key: keyed now (lookups match both meanwhile).
  await rekeySuppressions(db);
  const workerConnection = await NativeConnection.connect({ address });
  life.defer(() => workerConnection.close());
  const workers = await runWorkers({ db, temporal, connection: workerConnection, config, queues: ['lead', 'email'], email: emailConfig(config) });
  life.defer(() => workers.stop());
  const schedules = await ensureOfferSchedules(temporal, config.TASK_QUEUE, offers);
  console.log(`offer campaign schedules: ${schedules.join(', ')}; ${await ensureErasureSweepSchedule(temporal, config.TASK_QUEUE)}`);

  if (config.SEED_DEMO) {
    const seeded = await seedDemo({ db, temporal, taskQueue: config.TASK_QUEUE });
    console.log(`demo data: ${seeded.managers} managers, ${seeded.leads} leads`);
  }
  const apiKey = await devApiKey(db, config.DATA_DIR);
  console.log(`
leadflow is running
  Temporal UI   ${dev ? dev.uiUrl : `(external) ${address}`}   e.g. query: LeadStage = "handed_off"
  Temporal      ${address} (namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TASK_QUEUE})
  HTTP API      http://${config.API_HOST}:${config.API_PORT}   (GET /health; OpenAPI at /openapi.json)
  API key       ${apiKey}   (admin, local only: kept in ${path.join(config.DATA_DIR, 'api-key')})
  Mail sink     ${sink ? `http://${config.API_HOST}:${config.API_PORT}/mail?token=${sink.viewToken}   (token valid until Ctrl-C; or the admin key)   SMTP on 127.0.0.1:${config.SINK_SMTP_PORT}` : 'off (SINK_ENABLED=false)'}
  Database      ${config.DATABASE_EMBEDDED ? `${config.DATABASE_URL}   (embedded PostgreSQL, data in ${path.join(config.DATA_DIR, 'postgres')})` : redactUrl(config.DATABASE_URL)}
Ctrl-C stops everything.`);
  await workers.running;
}
