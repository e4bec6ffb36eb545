// `npm run sequences -- <command>`: the marketer's tool for nurture sequences.
//   list                                   the shipped sequences and their versions
//   lint                                   every check the worker runs at start, plus the templates they send
//   preview <id> --lead <lead.json> [--script <script.json>] [--out <dir>] [--version <n>]
//                                          the timeline the engine would produce, mails rendered into <dir>
// Exit codes: 0 fine, 1 lint findings, 2 bad usage or input.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { parseArgs } from 'util';
import path from 'path';
import { lintTemplates } from '../activities/email/lint';
import { TEMPLATES } from '../activities/email/templates';
import { definitionProblems } from '../worker/definitions';
import { InputError, readJsonInput } from '../worker/json-input';
import { formatPreview, previewLeadSchema, previewScriptSchema, previewSequence, type PreviewScript } from '../worker/sequence-preview';
import { createTimeSkippingEnv } from '../worker/time-skipping';
import { walk } from '../workflows/sequence-interpreter';
import { findShippedSequence as findSequence, sequenceModules } from '../workflows/sequences';

const USAGE = `usage:
  npm run sequences -- list
  npm run sequences -- lint
  npm run sequences -- preview <sequence-id> --lead <lead.json> [--script <script.json>] [--out <dir>] [--version <n>]
example:
  npm run sequences -- preview cold-education --lead scripts/examples/lead.json --script scripts/examples/cold-six-months.json --out preview`;

class UsageError extends Error {}

function list(): number {
  for (const m of sequenceModules) {
    const d = m.current;
    const old = (m.previous ?? []).map((p) => `v${p.version}`).join(', ');
    console.log(`${d.id.padEnd(24)} v${d.version}${old ? ` (still running: ${old})` : ''}  ${d.name}\n${''.padEnd(28)}enters: ${d.entry.stages.join('/')}${d.entry.temperatures ? ` ${d.entry.temperatures.join('/')}` : ''}; leaves on: ${d.goals.map((g) => g.label).join(', ') || '(end only)'}`);
  }
  return 0;
}

async function lint(): Promise<number> {
  const problems = definitionProblems();
  // The templates the sequences send, compiled in every locale (placeholders, unsubscribe link).
  const used = new Set<string>();
  for (const m of sequenceModules) for (const d of [m.current, ...(m.previous ?? [])]) for (const { step } of walk(d.steps)) if (step.kind === 'send') used.add(step.template);
  const specs = Object.fromEntries(Object.entries(TEMPLATES).filter(([id]) => used.has(id)));
  problems.push(...(await lintTemplates(specs)).map((p) => `template ${p}`));
  if (problems.length) {
    console.error(`${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    return 1;
  }
  const versions = sequenceModules.reduce((n, m) => n + 1 + (m.previous?.length ?? 0), 0);
  console.log(`OK: ${sequenceModules.length} sequences (${versions} versions), ${used.size} templates they send, scoring rules.`);
  return 0;
}

async function preview(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { lead: { type: 'string' }, script: { type: 'string' }, out: { type: 'string' }, version: { type: 'string' } },
  });
  const [id] = positionals;
  if (!id || positionals.length > 1) throw new UsageError('preview takes one sequence id');
  if (!values.lead) throw new UsageError('--lead <lead.json> is required');
  const module = sequenceModules.find((m) => m.current.id === id);
  if (!module) throw new UsageError(`no sequence "${id}" (known: ${sequenceModules.map((m) => m.current.id).join(', ')})`);
  const version = values.version === undefined ? module.current.version : Number(values.version);
  const def = findSequence(id, version);
  if (!def) throw new UsageError(`${id} has no version ${values.version} (known: ${[module.current, ...(module.previous ?? [])].map((d) => d.version).join(', ')})`);
  const problems = definitionProblems().filter((p) => p.startsWith(`sequence ${id}`));
  if (problems.length) {
    console.error(`${id} does not pass lint; fix it first:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    return 1;
  }
  const lead = readJsonInput(values.lead, previewLeadSchema);
  const script: PreviewScript = values.script ? readJsonInput(values.script, previewScriptSchema) : previewScriptSchema.parse({});

  // The preview's own workers and test server are not the user's business: warnings only on error.
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  const env = await createTimeSkippingEnv();
  try {
    const outDir = values.out ? path.resolve(values.out) : undefined;
    const bundleCacheDir = path.join(__dirname, '..', 'node_modules', '.cache', 'leadflow-preview');
    const result = await previewSequence({ env, sequence: def, lead, script, bundleCacheDir, ...(outDir ? { outDir } : {}) });
    console.log(formatPreview(result));
    if (outDir) console.log(`Rendered mails: ${path.join(outDir, 'index.html')}`);
  } finally {
    await env.teardown();
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'list':
        return list();
      case 'lint':
        return await lint();
      case 'preview':
        return await preview(rest);
      default:
        throw new UsageError(command ? `unknown command "${command}"` : 'no command');
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(e as Error).message}\n\n${e instanceof InputError ? '' : USAGE}`.trim());
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(3);
    },
  );
}
