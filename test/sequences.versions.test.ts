// Changing a sequence while leads are mid-way. Its definitions are workflow code, so a lead must
// keep the version it entered with across replays (worker restarts, cache evictions), move only by
// an explicit migration rule, and a mistake -- dropping a version leads still run -- must fail the
// replay of recorded histories. Each case bundles the real workflow with test/fixtures/sequences/*
// standing in for workflows/sequences.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { readFileSync } from 'fs';
import path from 'path';
import { definitionProblems } from '../worker/definitions';
import { leadEventSignal, stateQuery } from '../workflows/messages';
import { migrationFor, versionToEnter } from '../workflows/sequence-registry';
import { coldEducation } from '../workflows/sequences/cold-education';
import { coldEducationV2, keepsV1, migratesV1 } from './fixtures/sequences/cold-education-v2';
import { fakeWorld } from './support/fake-activities';
import { baseProfile, signalLead, useTimeSkippingEnv, workflowBundle } from './support/lead-harness';

const DAY = 86_400_000;
const root = path.join(__dirname, '..');
const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never;

/** The real workflows with `variant` (a file in test/fixtures/sequences) as the shipped sequences. */
function bundleWith(variant: 'keepsV1' | 'migratesV1' | 'dropsV1'): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: silent,
    webpackConfigHook: (config) => ({
      ...config,
      resolve: { ...config.resolve, alias: { ...(config.resolve?.alias as Record<string, string>), [`${path.join(root, 'workflows/sequences')}$`]: path.join(__dirname, 'fixtures/sequences', variant) } },
    }),
  });
}

describe('definitions', () => {
  test('a fresh entry takes the newest version; a replay without its marker falls back to the version entered then', () => {
    const always = (): boolean => true;
    const never = (): boolean => false;
    expect(versionToEnter(coldEducationV2, always, keepsV1).version).toBe(2);
    expect(versionToEnter(coldEducationV2, never, keepsV1).version).toBe(1);
    // A sequence with one version asks for no marker at all, so existing histories are untouched.
    const asked: string[] = [];
    expect(versionToEnter(coldEducation.current, (id) => (asked.push(id), true)).version).toBe(1);
    expect(asked).toEqual([]);
  });

  test('a migration rule moves only the positions it names, only from the version it names', () => {
    expect(migrationFor('cold-education', 1, '1', migratesV1)).toEqual({ version: 2, path: [1] });
    expect(migrationFor('cold-education', 1, '3', migratesV1)).toBeUndefined();
    expect(migrationFor('cold-education', 2, '1', migratesV1)).toBeUndefined();
    expect(migrationFor('cold-education', 1, '1', keepsV1)).toBeUndefined();
  });

  test('bad migration rules stop the worker with each problem named', () => {
    const bad = keepsV1.map((m) => (m.current.id === 'cold-education' ? { ...m, migrate: [{ fromVersion: 1, positions: { '9': '1', '1': '7.then.0' } }, { fromVersion: 5, positions: {} }] } : m));
    expect(definitionProblems(undefined, bad)).toEqual([
      'sequence cold-education migrate[0]: target "7.then.0" does not exist in v2',
      'sequence cold-education migrate[0]: position "9" does not exist in v1',
      'sequence cold-education migrate[1]: fromVersion 5 is not one of the previous versions kept in `previous`',
    ]);
    expect(definitionProblems(undefined, migratesV1)).toEqual([]);
  });
});

describe('replay of recorded histories', () => {
  const history = historyFromJSON(JSON.parse(readFileSync(path.join(__dirname, 'fixtures/histories/open-mid-sequence.json'), 'utf8')));

  test('a lead recorded mid-way through v1 replays on code that ships v2 and keeps v1', async () => {
    await Worker.runReplayHistory({ workflowBundle: await bundleWith('keepsV1') }, history, 'open-mid-sequence');
  });

  test('the same history fails to replay when v1 is dropped (the mistake CI must catch)', async () => {
    await expect(Worker.runReplayHistory({ workflowBundle: await bundleWith('dropsV1') }, history, 'open-mid-sequence')).rejects.toThrow(/[Nn]ondetermin/);
  });
});

describe('a running lead across a deploy (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  useTimeSkippingEnv((e) => (env = e));

  /**
   * Runs `fn` with the lead workers on `bundle` (main queue and the email queue). No workflow cache:
   * a sticky queue of a worker that was shut down would hold the next task of the deploy's worker.
   */
  async function withWorkers(tq: string, bundle: WorkflowBundleWithSourceMap, w: ReturnType<typeof fakeWorld>, fn: () => Promise<void>): Promise<void> {
    const main = await Worker.create({ connection: env.nativeConnection, taskQueue: tq, workflowBundle: bundle, activities: w.activities, maxCachedWorkflows: 0 });
    const email = await Worker.create({ connection: env.nativeConnection, taskQueue: `${tq}-email`, activities: { sendEmail: w.activities.sendEmail } });
    await main.runUntil(email.runUntil(fn));
  }
  const mails = (w: ReturnType<typeof fakeWorld>, leadId: string) => w.mails.filter((m) => m.leadId === leadId).map((m) => `${m.template}@v${m.sequence?.version}`);

  test('after shipping v2 (v1 kept), a lead in v1 finishes v1 and a new lead gets v2', async () => {
    const w = fakeWorld();
    const tq = `versions-keep-${process.pid}`;
    await withWorkers(tq, await workflowBundle(), w, async () => {
      const h = await signalLead(env, tq, 'V-old', baseProfile({ email: 'old@acme.test' }), { id: 'o1', type: 'page_viewed', data: { url: '/blog/a' } });
      await env.sleep(1000);
      expect((await h.query(stateQuery)).sequence).toMatchObject({ id: 'cold-education', version: 1, position: '1' });
    });
    // Deploy: the worker now runs code where cold-education v2 is current and v1 is kept.
    await withWorkers(tq, await bundleWith('keepsV1'), w, async () => {
      const old = env.client.workflow.getHandle('lead-V-old');
      await old.signal(leadEventSignal, { id: 'o2', type: 'email_clicked' });
      await env.sleep(2 * DAY);
      expect((await old.query(stateQuery)).sequence).toMatchObject({ version: 1 });
      const fresh = await signalLead(env, tq, 'V-new', baseProfile({ email: 'new@acme.test' }), { id: 'n1', type: 'page_viewed', data: { url: '/blog/a' } });
      await env.sleep(1000);
      expect((await fresh.query(stateQuery)).sequence).toMatchObject({ id: 'cold-education', version: 2 });
    });
    expect(mails(w, 'V-old')).toEqual(['cold-ebook@v1', 'cold-blog-digest@v1']);
    expect(mails(w, 'V-new')).toEqual(['cold-ebook@v2', 'cold-webinar-invite@v2']);
  });

  test('with an explicit migration rule, a lead waiting in v1 moves to v2 at the mapped step', async () => {
    const w = fakeWorld();
    const tq = `versions-migrate-${process.pid}`;
    await withWorkers(tq, await workflowBundle(), w, async () => {
      await signalLead(env, tq, 'V-mig', baseProfile({ email: 'mig@acme.test' }), { id: 'm1', type: 'page_viewed', data: { url: '/blog/a' } });
      await env.sleep(1000);
    });
    await withWorkers(tq, await bundleWith('migratesV1'), w, async () => {
      const h = env.client.workflow.getHandle('lead-V-mig');
      await h.signal(leadEventSignal, { id: 'm2', type: 'page_viewed', data: { url: '/blog/b' } });
      await env.sleep(1000);
      expect((await h.query(stateQuery)).sequence).toMatchObject({ id: 'cold-education', version: 2, position: '2' });
    });
    expect(mails(w, 'V-mig')).toEqual(['cold-ebook@v1', 'cold-webinar-invite@v2']);
    expect(w.events.find((e) => e.leadId === 'V-mig' && e.type === 'sequence_migrated')?.payload).toEqual({ sequence: 'cold-education', from: 'v1:1', to: 'v2:1' });
  });
});
