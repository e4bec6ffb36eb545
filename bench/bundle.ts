// Worker options that bundle bench/workflows.ts instead of workflows/: the same lead workflow code,
// except that workflows/sequence-registry.ts gets bench/sequences.ts (real sequences + bench-only
// ones) for its `./sequences` import. Nothing under workflows/ changes.
import type { WorkerOptions } from '@temporalio/worker';
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

export function benchBundleOptions(): Pick<WorkerOptions, 'workflowsPath' | 'bundlerOptions'> {
  return {
    workflowsPath: path.join(__dirname, 'workflows.ts'),
    bundlerOptions: {
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
    },
  };
}
