// The bench workflow bundle, built once per stack and loaded by the bench workers like a production
// worker loads its pre-built one (WORKFLOW_BUNDLE): bench/workflows.ts instead of workflows/, the
// same lead workflow code, except that workflows/sequence-registry.ts gets bench/sequences.ts (real
// sequences + bench-only ones) for its `./sequences` import. Nothing under workflows/ changes.
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';
import { writeFileSync } from 'fs';
import path from 'path';

const registry = path.join(__dirname, '..', 'workflows', 'sequence-registry.ts');
const benchSequences = path.join(__dirname, 'sequences.ts');

interface ResolveData {
  request: string;
  contextInfo: { issuer: string };
}
interface Compiler {
  hooks: { normalModuleFactory: { tap(name: string, fn: (nmf: { hooks: { beforeResolve: { tap(name: string, fn: (d: ResolveData) => void): void } } }) => void): void } };
}

/** Writes the bench bundle to `file` and returns its path. */
export async function buildBenchBundle(file: string): Promise<string> {
  const { code } = await bundleWorkflowCode(benchBundleOptions());
  writeFileSync(file, code);
  return file;
}

function benchBundleOptions(): BundleOptions {
  return {
    workflowsPath: path.join(__dirname, 'workflows.ts'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never,
    webpackConfigHook: (config) => ({
        ...config,
        plugins: [
          ...(config.plugins ?? []),
          {
            apply(compiler: Compiler) {
              compiler.hooks.normalModuleFactory.tap('bench-sequences', (nmf) =>
                nmf.hooks.beforeResolve.tap('bench-sequences', (d) => {
                  if (d.request === './sequences' && d.contextInfo.issuer === registry) d.request = benchSequences;
                }),
              );
            },
          },
        ],
      }),
  };
}
