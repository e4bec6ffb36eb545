// The workflow bundle is cached per workflow in every worker: it must stay free of I/O and heavy
// validation libraries (zod, Prisma, luxon, nodemailer, mjml). Production workers load it pre-built.
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { loadConfig } from '../runtime/config';
import { offerCampaigns } from '../content/offers';
import { scoringRules } from '../content/scoring-rules';
import { walk } from '../workflows/sequences/interpreter';
import { sequenceModules } from '../content/sequences';
import { workflowBundle } from './support/lead-harness';

test('the workflow bundle contains no zod, Prisma, luxon, nodemailer or mjml', async () => {
  const { code } = await workflowBundle();
  for (const lib of ['zod', '@prisma', 'luxon', 'nodemailer', 'mjml', 'pg']) {
    expect([lib, code.includes(`node_modules/${lib}/`)]).toEqual([lib, false]);
  }
  expect(code).toContain('leadLifecycle');
  console.log(`workflow bundle: ${(code.length / 1024 / 1024).toFixed(2)} MB`);
});

test('the workflow bundle holds no marketing content: no sequence, sequence template, scoring rule or offer', async () => {
  const { code } = await workflowBundle();
  const quoted = (x: string): string[] => [`'${x}'`, `"${x}"`];
  const defs = sequenceModules.flatMap((m) => [m.current, ...(m.previous ?? [])]);
  const templates = new Set(defs.flatMap((d) => walk(d.steps).flatMap(({ step }) => (step.kind === 'send' ? [step.template] : []))));
  const content = [
    ...defs.flatMap((d) => [d.id, d.name]),
    ...templates,
    ...scoringRules.pages.map((p) => p.prefix),
    ...scoringRules.buyingSignals.signals.map((x) => x.label),
    ...scoringRules.profile.seniority.map((x) => x.keyword),
    ...offerCampaigns.flatMap((c) => [c.id, c.offer.path]),
  ];
  expect(content.length).toBeGreaterThan(30);
  const found = content.filter((x) => quoted(x).some((q) => code.includes(q)));
  expect(found).toEqual([]);
  expect(code).not.toContain('<mj-'); // no template MJML either
});

test('scripts/build-workflows.ts writes a bundle a worker runs (WORKFLOW_BUNDLE): a recorded history replays on it', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'leadflow-bundle-'));
  try {
    const out = path.join(dir, 'workflow-bundle.js');
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '../scripts/build-workflows.ts'), out], { encoding: 'utf8', timeout: 120_000 });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(`WORKFLOW_BUNDLE=${out}`);
    const config = loadConfig({ DATA_DIR: dir, WORKFLOW_BUNDLE: out });
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(__dirname, 'fixtures/histories/nurture-to-client.json'), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: { codePath: config.WORKFLOW_BUNDLE! } }, history, 'prebuilt');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
