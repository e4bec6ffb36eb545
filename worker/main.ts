// `npm start`: the whole engine on its embedded default, in one process tree. Temporal dev server
// with its Web UI, SQLite, the workers, the HTTP API and a local SMTP sink; Ctrl-C stops it cleanly.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import path from 'path';
import { createActivities } from '../activities';
import { createPrisma } from '../activities/db';
import { validateDefinitions } from './definitions';
import { ConfigError, emailConfig, loadConfig, type Config } from './config';
import { startDevServer, type DevServer } from './dev-server';
import { buildApi } from './api/server';
import { devApiKey } from './api/auth';
import { intakePlugin } from './api/intake';
import { kpiPlugin } from './api/kpi';
import { handoffPlugin } from './api/handoff';
import { linksPlugin, signalLead } from './api/links';
import { mailPlugin } from './api/mail';
import { managersPlugin } from './api/managers';
import { surveyPlugin } from './api/survey';
import { ensureOfferSchedules } from './schedules';
import { seedDemo } from './seed';
import { startSmtpSink, type SmtpSink } from './smtp-sink';
import { createWorkers } from './worker';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
    validateDefinitions();
  } catch (e) {
    if (e instanceof ConfigError || (e as Error).name === 'DefinitionError') {
      console.error((e as Error).message);
      process.exit(2);
    }
    throw e;
  }
  const stops: (() => Promise<unknown> | void)[] = [];
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('\nshutting down...');
    for (const s of stops.reverse()) await Promise.resolve(s()).catch((e) => console.error(e));
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    let dev: DevServer | undefined;
    let address = config.TEMPORAL_ADDRESS;
    if (!address) {
      dev = await startDevServer({ port: config.TEMPORAL_PORT, uiPort: config.TEMPORAL_UI_PORT, dataDir: config.DATA_DIR, namespace: config.TEMPORAL_NAMESPACE, ...(config.TEMPORAL_CLI_PATH ? { cliPath: config.TEMPORAL_CLI_PATH } : {}) });
      stops.push(() => dev!.stop());
      address = dev.address;
    }
    let sink: SmtpSink | undefined;
    if (config.SINK_ENABLED) {
      sink = await startSmtpSink({ port: config.SINK_SMTP_PORT, dir: path.join(config.DATA_DIR, 'mail') });
      stops.push(() => sink!.stop());
    }
    const db = createPrisma(config.DATABASE_URL);
    stops.push(() => db.$disconnect());
    const connection = await Connection.connect({ address });
    stops.push(() => connection.close());
    const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const api = await buildApi({ db, temporal, config, ...(sink ? { sink } : {}) }, [mailPlugin, linksPlugin, handoffPlugin, intakePlugin, managersPlugin, surveyPlugin, kpiPlugin]);
    await api.listen({ host: config.API_HOST, port: config.API_PORT });
    stops.push(() => api.close());

    const activities = createActivities({
      db,
      databaseUrl: config.DATABASE_URL,
      email: emailConfig(config),
      signalBounce: (leadId, key, error) => signalLead({ db, temporal, config }, leadId, { id: `bounce:${key}`, type: 'bounced', data: { error } }),
    });
    const { close: closeMail, ...leadActivities } = activities;
    stops.push(closeMail);
    const workerConnection = await NativeConnection.connect({ address });
    const workers = await createWorkers({ connection: workerConnection, config, activities: leadActivities });
    const schedules = await ensureOfferSchedules(temporal, config.TASK_QUEUE);
    console.log(`offer campaign schedules: ${schedules.join(', ')}`);
    const running = workers.run();
    stops.push(async () => {
      workers.shutdown();
      await running;
      await workerConnection.close();
    });

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
  Mail sink     http://${config.API_HOST}:${config.API_PORT}/mail   SMTP on 127.0.0.1:${config.SINK_SMTP_PORT}
  Database      ${config.DATABASE_URL.replace(/:[^:@/]+@/, ':***@')}
Ctrl-C stops everything.`);
    await running;
  } catch (e) {
    console.error(`leadflow failed to start: ${(e as Error).message}`);
    await stop(1);
  }
}

void main();
