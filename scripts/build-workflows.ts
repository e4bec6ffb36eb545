// Pre-builds the workflow bundle for production workers (WORKFLOW_BUNDLE=<file>): the worker then
// loads it instead of running webpack at every start, which costs seconds and ~100 MB of memory
// that the process keeps. The Docker image builds it; rebuild it whenever workflows/ changes.
//   npx tsx scripts/build-workflows.ts [out-file]     (default dist/workflow-bundle.js)
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'fs';
import path from 'path';
import { runCli } from '../cli/common';

runCli(async () => {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'dist', 'workflow-bundle.js'));
  const t = Date.now();
  // Webpack's module listing is noise here; warnings and errors still show.
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quiet as never });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, code);
  console.log(`workflow bundle: ${out} (${(code.length / 1024 / 1024).toFixed(2)} MB, ${Date.now() - t} ms)\nstart workers with WORKFLOW_BUNDLE=${out}`);
  return 0;
});
