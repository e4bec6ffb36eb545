// How long a marketer waits for a 6-month preview (target: seconds). Measures the whole CLI
// (`npm run sequences -- preview` on the shipped example, with and without the bundle cache) and,
// in process, its parts: starting the time-skipping server, the first preview (includes bundling
// the workflow code) and a warm one.
// Prints the figures and writes bench/results/sequence-preview.json.
//   npx tsx bench/sequence-preview.ts [--runs 3]
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { spawnSync } from 'child_process';
import { mkdirSync, rmSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { performance } from 'perf_hooks';
import { readJsonInput } from '../cli/json-input';
import { previewLeadSchema, previewScriptSchema, previewSequence } from '../cli/sequence-preview';
import { createTimeSkippingEnv } from '../dev/time-skipping';
import { findShippedSequence as findSequence } from '../content/sequences';

const ROOT = path.join(__dirname, '..');
const LEAD = path.join(ROOT, 'content', 'examples', 'lead.json');
const SCRIPT = path.join(ROOT, 'content', 'examples', 'cold-six-months.json');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (ms: number): number => Math.round(ms);

async function main(): Promise<void> {
  // The CLI end to end, as a marketer runs it (tsx start, server, bundle, preview, output): first
  // without the bundle cache (a changed sequence), then with it (the same code, another script).
  rmSync(path.join(ROOT, 'node_modules', '.cache', 'leadflow-preview'), { recursive: true, force: true });
  const cli: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t = performance.now();
    const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'cli', 'sequences.ts'), 'preview', 'cold-education', '--lead', LEAD, '--script', SCRIPT], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`preview failed: ${r.stderr}`);
    cli.push(performance.now() - t);
  }

  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  const lead = readJsonInput(LEAD, previewLeadSchema);
  const script = readJsonInput(SCRIPT, previewScriptSchema);
  const def = findSequence('cold-education', 1)!;
  let t = performance.now();
  const env = await createTimeSkippingEnv();
  const serverStart = performance.now() - t;
  const previews: number[] = [];
  let mails = 0;
  let entries = 0;
  try {
    for (let i = 0; i < runs; i++) {
      // Each run starts a year after the last: the server's clock only moves forward.
      t = performance.now();
      const r = await previewSequence({ env, sequence: def, lead: { ...lead, id: `bench-${i}` }, script: { ...script, start: `${2032 + i}-03-01T09:00` } });
      previews.push(performance.now() - t);
      mails = r.mails.length;
      entries = r.timeline.length;
    }
  } finally {
    await env.teardown();
  }

  const result = {
    machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    measuredAt: new Date().toISOString(),
    preview: { sequence: 'cold-education', days: script.days, actions: script.actions.length, mails, timelineEntries: entries },
    runs,
    cliWallMs: { uncachedBundle: round(cli[0]), cachedBundleMedian: round(median(cli.slice(1))), cachedBundleAll: cli.slice(1).map(round) },
    inProcess: { serverStartMs: round(serverStart), firstPreviewMs: round(previews[0]), warmPreviewMs: { median: round(median(previews.slice(1))), all: previews.slice(1).map(round) } },
    target: '6-month preview in seconds',
  };
  console.log(`6-month preview of cold-education (${mails} mails, ${entries} timeline entries), ${result.machine.cores} cores:`);
  console.log(`  whole CLI (tsx, server, bundle, run, print): ${result.cliWallMs.uncachedBundle} ms after a code change (bundling), median ${result.cliWallMs.cachedBundleMedian} ms with the cached bundle (${result.cliWallMs.cachedBundleAll.join(', ')})`);
  console.log(`  in process: server start ${result.inProcess.serverStartMs} ms, first preview incl. bundling ${result.inProcess.firstPreviewMs} ms, warm preview median ${result.inProcess.warmPreviewMs.median} ms`);
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  writeFileSync(path.join(__dirname, 'results', 'sequence-preview.json'), `${JSON.stringify(result, null, 2)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
