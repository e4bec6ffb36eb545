// One webpack bundle of workflows/ per test run: test/global-setup.ts builds it into a file before
// the first suite (seconds of CPU each time, ~50 s on a loaded 2-core machine) and the suites' workers
// load that file. Outside jest (benches, scripts) the first call bundles for the process.
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { readFileSync, writeFileSync } from 'fs';

/** Where global-setup tells the test files about the bundle. */
const ENV_BUNDLE = 'LEADFLOW_TEST_WORKFLOW_BUNDLE';

// Webpack's module listing is noise here; warnings and errors still show.
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };

/** Bundles workflows/ into `file` and tells this process's children (jest's workers) where it is. */
export async function buildSharedWorkflowBundle(file: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quiet as never });
  writeFileSync(file, code);
  process.env[ENV_BUNDLE] = file;
}

/** The prebuilt bundle's path when global-setup made one (for configs taking WORKFLOW_BUNDLE). */
export const sharedWorkflowBundlePath = (): string | undefined => process.env[ENV_BUNDLE];

let bundle: Promise<{ code: string }> | undefined;
/** The workflow bundle: global-setup's file in jest, else bundled once per process. */
export function workflowBundle(): Promise<{ code: string }> {
  const file = sharedWorkflowBundlePath();
  bundle ??= file
    ? Promise.resolve({ code: readFileSync(file, 'utf8') })
    : bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quiet as never });
  return bundle;
}

export type { WorkflowBundle };
