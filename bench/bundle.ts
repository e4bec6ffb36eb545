// The bench workflow bundle, built once per stack and loaded by the bench workers like a production
// worker loads its pre-built one (WORKFLOW_BUNDLE): bench/workflows.ts instead of workflows/, the
// same lead workflow code. Bench sequences are published content (bench/worker-process.ts), not
// bundled: the bundle holds no content.
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFileSync } from 'fs';
import path from 'path';

/** Writes the bench bundle to `file` and returns its path. */
export async function buildBenchBundle(file: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'workflows.ts'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never });
  writeFileSync(file, code);
  return file;
}
