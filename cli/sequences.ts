// `npm run sequences -- <command>`: the marketer's tool for nurture sequences.
//   list                                   the shipped sequences and their versions
//   lint                                   every check the worker runs at start, plus the templates they send
//   preview <id> --lead <lead.json> [--script <script.json>] [--out <dir>] [--version <n>]
//                                          the timeline the engine would produce, mails rendered into <dir>
//   publish <file>                         publishes a sequence (every version in the file), a scoring
//                                          ruleset, an offer campaign or a segment as immutable content; running
//                                          workers give it to new leads within a second, no restart
//   published                              every published content version (kind, id, version, hash)
//   test-send <template> --to <address> [--locale pl] [--lead <lead.json>] [--var name=value ...]
//                                          one mail through the configured SMTP, marked "[TEST]" in the
//                                          subject and X-Leadflow-Test: 1; no ledger row, no statistics
//   stats <id> [--from --to --within <days> --metric <m> --json]
//                                          the sequence's statistics per step, template, locale and A/B variant
//   show <id> [--out <file.svg>] [--version <n>] [--no-stats] [--from --to]
//                                          the picture of the sequence (SVG), with its statistics on it
// Exit codes: 0 fine, 1 lint findings, 2 bad usage or input.
import { writeFileSync } from 'fs';
import { parseArgs } from 'util';
import type { z } from 'zod';
import path from 'path';
import { lintTemplates } from '../domain/mail/lint';
import { listPublished, PublishError, publishOffer, publishRules, publishSegment, publishSequence, type Published } from '../domain/content/catalogue';
import { prismaContentStore } from '../domain/content/prisma-store';
import { createPrisma } from '../domain/db';
import { emailConfig, loadConfig } from '../runtime/config';
import { segmentProblems } from '../domain/content/segment-definitions';
import { segments } from '../content/segments';
import type { SegmentDefinition } from '../workflows/segments/define';
import { lintOfferCampaigns } from '../worker/schedules';
import type { ScoringRules } from '../workflows/qualification/scoring';
import type { SequenceModule } from '../workflows/sequences/dsl';
import type { OfferCampaign } from '../workflows/offers/define';
import { TEMPLATES } from '../domain/mail/templates';
import { definitionProblems } from '../domain/content/definitions';
import { InputError, readJsonInput } from './json-input';
// The preview (Temporal's worker and test server) is loaded by the commands that use it: seconds of
// start-up the others need not pay.
import type { PreviewScript } from './sequence-preview';
import { walk } from '../workflows/sequences/interpreter';
import { findShippedSequence as findSequence, sequenceModules } from '../content/sequences';
import { testSend, TestSendError } from './test-send';
import { crashMessage } from './common';
import { textTable } from '../domain/kpi/view';
import { sequenceSvg } from '../domain/content/sequence-graph';
import { computeSequenceStats, sequencePageQuerySchema, sequenceStatsQuerySchema, sequenceVersions, STATS_QUERY_KEYS, UnknownSequenceError } from '../domain/kpi/sequence-stats';
import { sequenceStatsTables } from '../domain/kpi/sequence-stats-view';

const USAGE = `usage:
  npm run sequences -- list
  npm run sequences -- lint
  npm run sequences -- preview <sequence-id> --lead <lead.json> [--script <script.json>] [--out <dir>] [--version <n>]
  npm run sequences -- publish <file.ts|file.json>
  npm run sequences -- published
  npm run sequences -- test-send <template> --to <address> [--locale pl] [--lead <lead.json>] [--var name=value ...]
  npm run sequences -- stats <sequence-id> [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--within <days>] [--metric open|click|goal|mql|sql|client] [--json]
  npm run sequences -- show <sequence-id> [--out <file.svg>] [--version <n>] [--no-stats] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
example:
  npm run sequences -- preview cold-education --lead content/examples/lead.json --script content/examples/cold-six-months.json --out preview`;

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
  const problems = [...definitionProblems(), ...segmentProblems(segments)];
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
  console.log(`OK: ${sequenceModules.length} sequences (${versions} versions), ${used.size} templates they send, scoring rules, ${segments.length} segments.`);
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
  const [{ formatPreview, previewLeadSchema, previewScriptSchema, previewSequence }, { createTimeSkippingEnv }, { DefaultLogger, Runtime }] = await Promise.all([
    import('./sequence-preview'),
    import('../dev/time-skipping'),
    import('@temporalio/worker'),
  ]);
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

type Content = { kind: 'sequence'; module: SequenceModule } | { kind: 'scoring'; rules: ScoringRules } | { kind: 'offer'; campaign: OfferCampaign } | { kind: 'segment'; segment: SegmentDefinition };

/** What a content file holds: its default export or its one named export, by shape. */
export function contentOf(file: string): Content {
  const abs = path.resolve(file);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(abs) as Record<string, unknown>;
  const values = 'default' in mod ? [mod.default] : Object.values(mod);
  const found: Content[] = [];
  for (const v of values) {
    if (!v || typeof v !== 'object') continue;
    const o = v as Record<string, unknown>;
    if ('current' in o) found.push({ kind: 'sequence', module: o as unknown as SequenceModule });
    else if ('steps' in o && 'entry' in o) found.push({ kind: 'sequence', module: { current: o as unknown as SequenceModule['current'] } });
    else if ('mqlThreshold' in o) found.push({ kind: 'scoring', rules: o as unknown as ScoringRules });
    else if ('offer' in o && 'schedule' in o) found.push({ kind: 'offer', campaign: o as unknown as OfferCampaign });
    else if ('where' in o && 'version' in o) found.push({ kind: 'segment', segment: o as unknown as SegmentDefinition });
  }
  if (found.length !== 1) throw new UsageError(`${file}: export one sequence (a SequenceModule or definition), scoring ruleset, offer campaign or segment; found ${found.length}`);
  return found[0];
}

async function publish(args: string[]): Promise<number> {
  const [file, ...extra] = args;
  if (!file || extra.length) throw new UsageError('publish takes one file');
  const content = contentOf(file);
  const problems =
    content.kind === 'sequence'
      ? definitionProblems(undefined, [content.module])
      : content.kind === 'scoring'
        ? definitionProblems(content.rules, [])
        : content.kind === 'segment'
          ? segmentProblems([content.segment])
          : lintOfferCampaigns([content.campaign]);
  if (problems.length) {
    console.error(`not published, ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    return 1;
  }
  const db = createPrisma(loadConfig().DATABASE_URL);
  try {
    const store = prismaContentStore(db);
    let out: Published[];
    try {
      out =
        content.kind === 'sequence'
          ? await publishSequence(store, content.module)
          : content.kind === 'scoring'
            ? [await publishRules(store, content.rules)]
            : content.kind === 'segment'
              ? [await publishSegment(store, content.segment)]
              : [await publishOffer(store, content.campaign)];
    } catch (e) {
      if (!(e instanceof PublishError)) throw e;
      console.error(`not published: ${e.message}`);
      return 1;
    }
    for (const p of out) console.log(`${p.status === 'published' ? 'published' : 'unchanged'}  ${p.kind} ${p.id} v${p.version}  ${p.hash}`);
    return 0;
  } finally {
    await db.$disconnect();
  }
}

async function published(): Promise<number> {
  const db = createPrisma(loadConfig().DATABASE_URL);
  try {
    for (const r of await listPublished(prismaContentStore(db))) console.log(`${r.kind.padEnd(9)} ${r.contentId.padEnd(28)} v${String(r.version).padEnd(4)} ${r.hash}  ${r.publishedAt.toISOString()}`);
    return 0;
  } finally {
    await db.$disconnect();
  }
}

async function testSendCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { to: { type: 'string' }, locale: { type: 'string' }, lead: { type: 'string' }, var: { type: 'string', multiple: true } },
  });
  const [template] = positionals;
  if (!template || positionals.length > 1) throw new UsageError('test-send takes one template id');
  if (!values.to) throw new UsageError('--to <address> is required');
  const variables: Record<string, string> = {};
  for (const v of values.var ?? []) {
    const eq = v.indexOf('=');
    if (eq < 1) throw new UsageError(`--var ${v}: write name=value`);
    variables[v.slice(0, eq)] = v.slice(eq + 1);
  }
  const lead = values.lead ? readJsonInput(values.lead, (await import('./sequence-preview')).previewLeadSchema) : undefined;
  const config = loadConfig();
  try {
    const r = await testSend(emailConfig(config), { template, to: values.to, ...(values.locale ? { locale: values.locale } : {}), ...(lead ? { lead } : {}), variables });
    console.log(`sent ${template}/${r.locale} to ${r.to} via ${config.SMTP_HOST}:${config.SMTP_PORT}: "${r.subject}" ${r.messageId}`);
    return 0;
  } catch (e) {
    if (!(e instanceof TestSendError)) throw e;
    console.error(`not sent: ${e.message}`);
    return 2;
  }
}

/** --from/--to/--within/--metric as the API's query (the same zod schema); a bad one is a usage error naming it. */
function statsQuery<S extends typeof sequenceStatsQuerySchema | typeof sequencePageQuerySchema>(values: Record<string, unknown>, schema: S): z.output<S> {
  const given = Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== undefined && [...STATS_QUERY_KEYS, 'version'].includes(k)));
  const q = schema.safeParse(given);
  if (!q.success) throw new UsageError(q.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
  return q.data as z.output<S>;
}

const RANGE_OPTIONS = { from: { type: 'string' }, to: { type: 'string' }, within: { type: 'string' }, metric: { type: 'string' } } as const;

function sequenceArg(positionals: string[], command: string): string {
  const [id] = positionals;
  if (!id || positionals.length > 1) throw new UsageError(`${command} takes one sequence id`);
  return id;
}

async function stats(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...RANGE_OPTIONS, json: { type: 'boolean' } } });
  const id = sequenceArg(positionals, 'stats');
  const q = statsQuery(values, sequenceStatsQuerySchema);
  const db = createPrisma(loadConfig().DATABASE_URL);
  try {
    const s = await computeSequenceStats(db, id, q);
    if (values.json) console.log(JSON.stringify(s, null, 2));
    else console.log(sequenceStatsTables(s).map(textTable).join('\n\n'));
    return 0;
  } catch (e) {
    if (e instanceof UnknownSequenceError) throw new UsageError(e.message);
    throw e;
  } finally {
    await db.$disconnect();
  }
}

async function show(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...RANGE_OPTIONS, out: { type: 'string' }, version: { type: 'string' }, 'no-stats': { type: 'boolean' } } });
  const id = sequenceArg(positionals, 'show');
  const q = statsQuery(values, sequencePageQuerySchema);
  let svg: string;
  if (values['no-stats']) {
    const module = sequenceModules.find((m) => m.current.id === id);
    const def = module && (q.version === undefined ? module.current : findSequence(id, q.version));
    if (!def) throw new UsageError(module ? `${id} has no version ${q.version}` : `no sequence "${id}" (known: ${sequenceModules.map((m) => m.current.id).join(', ')})`);
    svg = sequenceSvg(def);
  } else {
    const db = createPrisma(loadConfig().DATABASE_URL);
    try {
      const defs = await sequenceVersions(db, id);
      const def = q.version === undefined ? defs[0] : defs.find((d) => d.version === q.version);
      if (!def) throw new UsageError(defs.length ? `${id} has no version ${q.version}` : `no sequence "${id}"`);
      svg = sequenceSvg(def, await computeSequenceStats(db, id, q));
    } finally {
      await db.$disconnect();
    }
  }
  if (values.out) {
    writeFileSync(values.out, svg);
    console.log(`wrote ${values.out}`);
  } else process.stdout.write(`${svg}\n`);
  return 0;
}

/** The commands, by name (USAGE lists their arguments). */
const COMMANDS: Record<string, (args: string[]) => number | Promise<number>> = { list, lint, preview, publish, published, 'test-send': testSendCommand, stats, show };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const run = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!run) throw new UsageError(command ? `unknown command "${command}"` : 'no command');
    return await run(rest);
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
      console.error(crashMessage(e));
      process.exit(3);
    },
  );
}
