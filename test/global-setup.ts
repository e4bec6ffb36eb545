// Once per jest run, before the first test file: one PostgreSQL server with the migrated template
// every test file copies its own database from (test/helpers/db.ts), and one workflow bundle every
// test worker loads (test/helpers/workflow-bundle.ts), built side by side. Stopped by
// test/global-teardown.ts.
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { shareTestServer, startTestServer, type TestServer } from './helpers/db';
import { buildSharedWorkflowBundle } from './helpers/workflow-bundle';

declare global {
  var leadflowTestServer: TestServer | undefined;
  var leadflowTestBundleDir: string | undefined;
}

export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'leadflow-test-bundle-'));
  globalThis.leadflowTestBundleDir = dir;
  const [server] = await Promise.all([startTestServer({ durable: false }), buildSharedWorkflowBundle(path.join(dir, 'workflows.js'))]);
  globalThis.leadflowTestServer = server;
  shareTestServer(server);
}
