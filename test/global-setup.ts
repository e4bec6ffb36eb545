// One PostgreSQL server per jest run, with the migrated template every test file copies its own
// database from (test/helpers/db.ts). Stopped by test/global-teardown.ts.
import { shareTestServer, startTestServer, type TestServer } from './helpers/db';

declare global {
  var leadflowTestServer: TestServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const server = await startTestServer({ durable: false });
  globalThis.leadflowTestServer = server;
  shareTestServer(server);
}
