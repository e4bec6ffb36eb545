// The whole HTTP API as `npm start` builds it (every plugin, the mail sink), on a fresh PostgreSQL
// database and a time-skipping Temporal server, listening on 127.0.0.1 with an admin key: what an
// outside client (Schemathesis, curl) meets. DNS checks use the test stand-in (no network).
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { createApiKey } from '../../api/auth';
import { createIntakePlugin } from '../../api/intake';
import { kpiPlugin } from '../../api/kpi';
import { linksPlugin } from '../../api/links';
import { mailPlugin } from '../../api/mail';
import { managersPlugin } from '../../api/managers';
import { buildApi } from '../../api/server';
import { surveyPlugin } from '../../api/survey';
import { loadConfig, type Config } from '../../runtime/config';
import { createEmailVerifier } from '../../domain/intake/email-verification';
import { startSmtpSink, type SmtpSink } from '../../dev/smtp-sink';
import { createTestDb, type TestDb } from '../helpers/db';
import { createTimeSkippingEnv } from '../helpers/temporal';
import { fakeResolver } from '../intake.helpers';

export interface FullApi {
  api: FastifyInstance;
  url: string;
  adminKey: string;
  config: Config;
  db: TestDb;
  env: TestWorkflowEnvironment;
  sink: SmtpSink;
  close(): Promise<void>;
}

export async function startFullApi(env: Record<string, string> = {}): Promise<FullApi> {
  const temporal = await createTimeSkippingEnv();
  const db = await createTestDb();
  const sink = await startSmtpSink({ port: 0 });
  const config = { ...loadConfig({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'leadflow-full-api-')), TASK_QUEUE: `full-api-${process.pid}`, LINK_SIGNING_SECRET: 'f'.repeat(40), ...env }), DATABASE_URL: db.url };
  const api = await buildApi({ db: db.db, temporal: temporal.client, config, sink }, [mailPlugin, linksPlugin, createIntakePlugin({ verifier: createEmailVerifier({ resolver: fakeResolver }) }), managersPlugin, surveyPlugin, kpiPlugin]);
  const url = await api.listen({ host: '127.0.0.1', port: 0 });
  const adminKey = (await createApiKey(db.db, 'full api test', ['admin'])).key;
  return {
    api,
    url,
    adminKey,
    config,
    db,
    env: temporal,
    sink,
    async close() {
      await api.close();
      for (const l of await db.db.lead.findMany({ select: { workflowId: true } })) await temporal.client.workflow.getHandle(l.workflowId).terminate('test cleanup').catch(() => undefined);
      await sink.stop();
      await db.cleanup();
      await temporal.teardown();
    },
  };
}
