import { rmSync } from 'fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.leadflowTestServer?.stop();
  if (globalThis.leadflowTestBundleDir) rmSync(globalThis.leadflowTestBundleDir, { recursive: true, force: true });
}
