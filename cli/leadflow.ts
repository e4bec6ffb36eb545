#!/usr/bin/env node
// `leadflow <role>`: the one entry point of every process of a deployment.
//   leadflow start                                   everything on one machine (npm start)
//   leadflow api [--health]                          the HTTP API
//   leadflow worker [--queues lead,email] [--health] Temporal workers
//   leadflow schedules                               creates / updates the offer schedules, then exits
//   leadflow search-attributes                       registers the search attributes, then exits
// Production runs the compiled file: `node dist/cli/leadflow.js <role>` (npm run build).
import type { Client } from '@temporalio/client';
import { existsSync } from 'fs';
import path from 'path';
import { parseArgs } from 'util';
import { ConfigError, emailConfig, loadApiAddress, loadApiConfig, loadSchedulesConfig, loadTemporalConfig, loadWorkerConfig, parseQueues, WORKER_QUEUES, type TemporalConfig } from '../runtime/config';
import { DatabaseError, prepareDatabase } from '../domain/database';
import { processLifecycle, type Lifecycle } from '../runtime/lifecycle';
import { PortInUseError } from '../runtime/ports';
// A role loads its own modules once its configuration checked out (below, `await import`): seconds of
// start-up that `--help`, a health probe or a configuration error do not need to pay.

export const USAGE = `usage: leadflow <command> [options]
  start                                everything on one machine: Temporal dev server, SMTP sink,
                                       HTTP API, workers, schedules (what \`npm start\` runs)
  api [--health]                       the HTTP API (--health: exit 0 if the local API is healthy)
  worker [--queues ${WORKER_QUEUES.join(',')}] [--health]   Temporal workers on the given queues (default all);
                                       --health: exit 0 if Temporal sees this host polling them
  schedules                            create or update the offer campaign schedules, then exit
  search-attributes                    register the lead workflow's search attributes on the
                                       namespace (a real cluster; the dev server does it itself)
Configuration comes from the environment (README: Configuration / Deploy).`;

/** The bundle `npm run build` puts next to the compiled code: used when WORKFLOW_BUNDLE is not set. */
function builtBundle(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const file = path.join(__dirname, '..', 'workflow-bundle.js');
  return env.WORKFLOW_BUNDLE || !existsSync(file) ? env : { ...env, WORKFLOW_BUNDLE: file };
}

async function temporalClient(config: TemporalConfig, life: Lifecycle): Promise<Client> {
  const { Client, Connection } = await import('@temporalio/client');
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  life.defer(() => connection.close());
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

async function searchAttributes(life: Lifecycle): Promise<number> {
  const config = loadTemporalConfig();
  const [{ Connection }, { ensureSearchAttributes }] = await Promise.all([import('@temporalio/client'), import('./search-attributes')]);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  life.defer(() => connection.close());
  const r = await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
  console.log(`search attributes on ${config.TEMPORAL_NAMESPACE}: ${r.added.length ? `added ${r.added.join(', ')}` : 'none added'}${r.present.length ? `; already there: ${r.present.join(', ')}` : ''}`);
  return 0;
}

async function api(health: boolean, life: Lifecycle): Promise<number | 'running'> {
  if (health) {
    const { API_HOST, API_PORT } = loadApiAddress();
    const { apiHealth } = await import('../runtime/health');
    const r = await apiHealth(API_HOST, API_PORT);
    console.log(r.line);
    return r.ok ? 0 : 1;
  }
  const config = loadApiConfig();
  const [{ createPrisma }, { rekeySuppressions, useSuppressionKeys }, { listenApi }] = await Promise.all([import('../domain/db'), import('../domain/mail/email-hash'), import('../api/main')]);
  await prepareDatabase(config.DATABASE_URL);
  const db = useSuppressionKeys(createPrisma(config.DATABASE_URL), config.SUPPRESSION_SECRET);
  life.defer(() => db.$disconnect());
  // Suppressions stored before any key: keyed now (lookups match both meanwhile).
  await rekeySuppressions(db);
  const temporal = await temporalClient(config, life);
  const app = await listenApi({ db, temporal, config });
  life.defer(() => app.close());
  console.log(`leadflow api: http://${config.API_HOST}:${config.API_PORT} (Temporal ${config.TEMPORAL_ADDRESS}, namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TASK_QUEUE})`);
  return 'running';
}

async function worker(queues: string | undefined, health: boolean, life: Lifecycle): Promise<number | 'running'> {
  const q = queues === undefined ? [...WORKER_QUEUES] : parseQueues(queues);
  if (health) {
    // Only the Temporal connection: the check asks Temporal, not the database or SMTP.
    const config = loadTemporalConfig();
    const { workerHealth } = await import('../runtime/health');
    const r = await workerHealth(await temporalClient(config, life), config, q);
    console.log(r.lines.join('\n'));
    return r.ok ? 0 : 1;
  }
  const config = loadWorkerConfig(q, builtBundle(process.env));
  const [{ NativeConnection }, { createPrisma }, { rekeySuppressions, useSuppressionKeys }, { validateDefinitions }, { publishShippedContent }, { workerIdentity }, { runWorkers }] = await Promise.all([
    import('@temporalio/worker'),
    import('../domain/db'),
    import('../domain/mail/email-hash'),
    import('../domain/content/definitions'),
    import('../domain/content/publish-shipped'),
    import('../runtime/health'),
    import('../worker/main'),
  ]);
  const temporal = await temporalClient(config, life);
  validateDefinitions();
  await prepareDatabase(config.DATABASE_URL);
  const db = createPrisma(config.DATABASE_URL);
  life.defer(() => db.$disconnect());
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  life.defer(() => connection.close());
  await publishShippedContent(db);
  // The email queue checks suppressions: its keys, and rows stored before any key keyed now.
  if (config.email) await rekeySuppressions(useSuppressionKeys(db, config.email.SUPPRESSION_SECRET));
  const identity = workerIdentity();
  const workers = await runWorkers({ db, temporal, connection, config, queues: q, identity, ...(config.email ? { email: emailConfig(config.email) } : {}) });
  life.defer(() => workers.stop());
  console.log(`leadflow worker ${identity}: queues ${q.join(', ')} on ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TASK_QUEUE}${config.WORKFLOW_BUNDLE ? `, bundle ${config.WORKFLOW_BUNDLE}` : ''})`);
  // A worker that stops by itself (fatal error) ends the process, so the supervisor restarts it.
  workers.running.then(
    () => void life.exit(0),
    (e: unknown) => {
      console.error(`leadflow worker stopped: ${(e as Error).message}`);
      void life.exit(1);
    },
  );
  return 'running';
}

async function schedules(life: Lifecycle): Promise<number> {
  // The offers come from the published content, so the database is needed too.
  const config = loadSchedulesConfig();
  const [{ createPrisma }, { publishShippedContent }, { ensureErasureSweepSchedule, ensureOfferSchedules }] = await Promise.all([import('../domain/db'), import('../domain/content/publish-shipped'), import('../worker/schedules')]);
  await prepareDatabase(config.DATABASE_URL);
  const db = createPrisma(config.DATABASE_URL);
  life.defer(() => db.$disconnect());
  const offers = await publishShippedContent(db);
  const temporal = await temporalClient(config, life);
  const ids = await ensureOfferSchedules(temporal, config.TASK_QUEUE, offers);
  console.log(`offer campaign schedules: ${ids.join(', ')}; ${await ensureErasureSweepSchedule(temporal, config.TASK_QUEUE)}`);
  return 0;
}

export async function main(argv: string[]): Promise<void> {
  const life = processLifecycle();
  let code: number | 'running';
  try {
    const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { queues: { type: 'string' }, health: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
    const [command, ...rest] = positionals;
    if (values.help || command === 'help') {
      console.log(USAGE);
      code = 0;
    } else if (rest.length || (values.queues !== undefined && command !== 'worker') || (values.health && command !== 'api' && command !== 'worker')) {
      console.error(`leadflow: unexpected ${rest.length ? `argument ${rest[0]}` : values.queues !== undefined ? '--queues' : '--health'} for ${command ?? 'no command'}\n${USAGE}`);
      code = 2;
    } else if (command === 'start') {
      await (await import('../dev/start')).runStart(life);
      code = 0;
    } else if (command === 'api') code = await api(values.health ?? false, life);
    else if (command === 'worker') code = await worker(values.queues, values.health ?? false, life);
    else if (command === 'schedules') code = await schedules(life);
    else if (command === 'search-attributes') code = await searchAttributes(life);
    else {
      console.error(`leadflow: ${command ? `unknown command ${command}` : 'a command is needed'}\n${USAGE}`);
      code = 2;
    }
  } catch (e) {
    // DefinitionError by name: its module is the content's, loaded by the roles that validate it.
    const known = e instanceof ConfigError || (e as Error).name === 'DefinitionError' || e instanceof PortInUseError || e instanceof DatabaseError || (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
    console.error(known ? (e as Error).message : `leadflow failed: ${(e as Error).stack ?? String(e)}`);
    code = e instanceof ConfigError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
  if (code !== 'running') await life.exit(code);
}

if (require.main === module) void main(process.argv.slice(2));
