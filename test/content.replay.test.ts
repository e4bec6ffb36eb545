// Marketing content is data, never replayed code. The histories recorded on this release (most of
// them mid-sequence) replay with zero nondeterminism after marketing publishes (a) a new sequence
// that matches those leads with a higher priority, (b) a new version of every shipped sequence, (c) a
// changed scoring weight, (d) a new offer. The changes are really published (the CLI's functions, a
// real database), and the replay bundle is built with the content folders aliased to the changed
// content: a workflow that compiled content in would choose differently and fail, and the bundle
// check below fails outright. Then, on the time-skipping server with no restart: v2 published while
// leads wait in v1 -- old leads finish v1, new leads get v2 -- and a migration rule, as data.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { readFileSync, readdirSync } from 'fs';
import path from 'path';
import { createContentActivities } from '../activities/content';
import { chooseSequence, currentOffers, currentRules, publishOffer, publishRules, publishSequence, type ContentStore } from '../domain/content/catalogue';
import { prismaContentStore } from '../domain/content/prisma-store';
import { publishShipped } from '../domain/content/shipped';
import { leadEventSignal, stateQuery } from '../workflows/lead/messages';
import { coldEducation } from '../content/sequences/cold-education';
import { changedSequences, everySequenceV2, rulesWithNewWeights, trialOnboarding, winterOffer } from './fixtures/content/changes';
import { createTestDb, type TestDb } from './helpers/db';
import { replayAll } from './helpers/replay';
import { fakeWorld, type FakeWorld } from './support/fake-activities';
import { baseProfile, passUntil, signalLead, startWorkers, useTimeSkippingEnv } from './support/lead-harness';

const DAY = 86_400_000;
const root = path.join(__dirname, '..');
const dir = path.join(__dirname, 'fixtures/histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never;

/** The real workflows, with every content folder aliased to the changed content. */
function bundleWithChangedContent(): Promise<WorkflowBundleWithSourceMap> {
  const alias = {
    [`${path.join(root, 'content/sequences')}$`]: path.join(__dirname, 'fixtures/content/aliases/sequences.ts'),
    [`${path.join(root, 'content/sequences/index')}$`]: path.join(__dirname, 'fixtures/content/aliases/sequences.ts'),
    [`${path.join(root, 'content/scoring-rules')}$`]: path.join(__dirname, 'fixtures/content/aliases/scoring-rules.ts'),
    [`${path.join(root, 'content/offers')}$`]: path.join(__dirname, 'fixtures/content/aliases/offers.ts'),
    [`${path.join(root, 'content/offers/index')}$`]: path.join(__dirname, 'fixtures/content/aliases/offers.ts'),
  };
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: silent,
    webpackConfigHook: (config) => ({ ...config, resolve: { ...config.resolve, alias: { ...(config.resolve?.alias as Record<string, string>), ...alias } } }),
  });
}

describe('replay after publishing content changes', () => {
  let t: TestDb;
  let store: ContentStore;
  let bundle: WorkflowBundleWithSourceMap;
  let replayed: Promise<Map<string, Error | undefined>> | undefined;
  beforeAll(async () => {
    t = await createTestDb();
    store = prismaContentStore(t.db, { cacheMs: 0 });
    bundle = await bundleWithChangedContent();
  }, 180_000);
  afterAll(() => t?.cleanup());

  test('the changes are published: a new sequence, v2 of every sequence, new weights, a new offer', async () => {
    await publishShipped(store);
    const before = await chooseSequence(store, { stage: 'nurturing', temperature: 'cold', source: 'web_form', done: [], doneThisStage: [] });
    expect(before).toMatchObject({ id: 'cold-education', version: 1 });
    const published = [];
    for (const m of changedSequences) published.push(...(await publishSequence(store, m)));
    published.push(await publishRules(store, rulesWithNewWeights), await publishOffer(store, winterOffer));
    const fresh = published.filter((p) => p.status === 'published').map((p) => `${p.kind} ${p.id} v${p.version}`);
    expect(fresh.sort()).toEqual([...everySequenceV2.map((m) => `sequence ${m.current.id} v2`), 'sequence trial-onboarding v1', 'scoring default v2', 'offer winter-upgrade v1'].sort());
    // What a new lead gets now.
    expect(await chooseSequence(store, { stage: 'nurturing', temperature: 'cold', source: 'web_form', done: [], doneThisStage: [] })).toMatchObject({ id: 'trial-onboarding', version: 1 });
    expect(await chooseSequence(store, { stage: 'rejected', temperature: 'cold', source: 'web_form', done: [], doneThisStage: [] })).toMatchObject({ id: 'farewell-survey', version: 2 });
    expect((await currentRules(store)).rules.events.email_opened).toBe(5);
    expect((await currentOffers(store)).map((c) => c.id)).toContain('winter-upgrade');
  });

  test('the replay bundle holds none of that content (compiled in, it would change what leads replay)', () => {
    for (const id of [trialOnboarding.current.id, winterOffer.id, 'cold-webinar-invite', 'warm-case-study', '/case-studies', 'Trial onboarding']) {
      expect([id, bundle.code.includes(id)]).toEqual([id, false]);
    }
  });

  test('there are histories recorded on this release, most of them mid-sequence', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
    const open = files.filter((f) => !JSON.parse(readFileSync(path.join(dir, f), "utf8")).events.some((e: { eventType: string }) => /^EVENT_TYPE_WORKFLOW_EXECUTION_(COMPLETED|FAILED|TERMINATED|CONTINUED_AS_NEW)$/.test(String(e.eventType))));
    expect(open.length).toBeGreaterThanOrEqual(5);
    console.log(`replay suite: ${files.length} histories (${open.length} still running), after 4 kinds of content change`);
  });

  test.each(files)('%s replays with zero nondeterminism', async (file) => {
    // One replay worker for every history (the first test to get here replays them all).
    replayed ??= replayAll({ workflowBundle: bundle }, dir, files);
    const results = await replayed;
    expect(results.has(file)).toBe(true);
    const error = results.get(file);
    if (error) throw error;
  });
});

describe('publishing while leads run (time-skipping, no restart)', () => {
  let env: TestWorkflowEnvironment;
  useTimeSkippingEnv((e) => (env = e));
  const seqMails = (w: FakeWorld, leadId: string) => w.mails.filter((m) => m.leadId === leadId).map((m) => `${m.template}@v${m.sequence?.version}`);
  const coldV2 = everySequenceV2.find((m) => m.current.id === 'cold-education')!;

  test('v2 published while a lead waits in v1: the old lead finishes v1, a new lead gets v2', async () => {
    const w = fakeWorld();
    const tq = `content-v2-${process.pid}`;
    const workers = await startWorkers(env, tq, w.activities);
    await workers.run(async () => {
      const old = await signalLead(env, tq, 'C-old', baseProfile({ email: 'old@content.test' }), { id: 'o1', type: 'page_viewed', data: { url: '/blog/a' } });
      await passUntil(env, async () => (await old.query(stateQuery)).sequence?.position === '1', 'the old lead waiting in v1');
      expect((await old.query(stateQuery)).sequence).toMatchObject({ id: 'cold-education', version: 1, position: '1' });
      await publishSequence(w.content, coldV2);
      const fresh = await signalLead(env, tq, 'C-new', baseProfile({ email: 'new@content.test' }), { id: 'n1', type: 'page_viewed', data: { url: '/blog/a' } });
      await passUntil(env, async () => (await fresh.query(stateQuery)).sequence !== null, 'the new lead in a sequence');
      expect((await fresh.query(stateQuery)).sequence).toMatchObject({ id: 'cold-education', version: 2 });
      expect((await fresh.query(stateQuery)).content.sequence).toMatchObject({ id: 'cold-education', version: 2 });
      await old.signal(leadEventSignal, { id: 'o2', type: 'email_clicked' });
      await env.sleep(3 * DAY);
      expect((await old.query(stateQuery)).sequence).toMatchObject({ version: 1 });
    });
    expect(seqMails(w, 'C-old')).toEqual(['cold-ebook@v1', 'cold-blog-digest@v1']);
    // v2 begins with a day's pause: its first mail a day later.
    expect(seqMails(w, 'C-new')).toEqual(['cold-ebook@v2']);
  });

  test('a published migration rule moves a lead waiting in v1 to the mapped step of v2', async () => {
    const w = fakeWorld();
    const tq = `content-migrate-${process.pid}`;
    const workers = await startWorkers(env, tq, w.activities);
    await workers.run(async () => {
      const h = await signalLead(env, tq, 'C-mig', baseProfile({ email: 'mig@content.test' }), { id: 'm1', type: 'page_viewed', data: { url: '/blog/a' } });
      await passUntil(env, async () => (await h.query(stateQuery)).sequence?.position === '1', 'the lead waiting in v1');
      // v1's waitFor (position 1) is v2's position 2: the rule maps it.
      await publishSequence(w.content, { ...coldV2, migrate: [{ fromVersion: 1, positions: { '1': '2' } }] });
      await env.sleep(2 * 3_600_000);
      await h.signal(leadEventSignal, { id: 'm2', type: 'email_clicked' });
      await passUntil(env, async () => (await h.query(stateQuery)).sequence?.version === 2, 'the migration');
    });
    expect(w.events.find((e) => e.leadId === 'C-mig' && e.type === 'sequence_migrated')?.payload).toMatchObject({ sequence: 'cold-education', from: 'v1:1', to: 'v2:2' });
    expect(seqMails(w, 'C-mig')[0]).toBe('cold-ebook@v1');
  });

  test('content activities over the database: a new lead gets content published after the worker started', async () => {
    const t = await createTestDb();
    try {
      // The worker's store, on a clock that stands still until the test moves it past the read cache's second.
      let clock = Date.now();
      const store = prismaContentStore(t.db, { now: () => clock });
      const w = fakeWorld();
      const content = createContentActivities(store, () => publishShipped(store));
      const tq = `content-db-${process.pid}`;
      const workers = await startWorkers(env, tq, { ...w.activities, ...content });
      await workers.run(async () => {
        const a = await signalLead(env, tq, 'C-db1', baseProfile({ email: 'db1@content.test' }), { id: 'd1', type: 'page_viewed', data: { url: '/blog/a' } });
        await passUntil(env, async () => (await a.query(stateQuery)).sequence !== null, 'the first lead in a sequence');
        expect((await a.query(stateQuery)).sequence?.id).toBe('cold-education');
        // Published from elsewhere (the CLI's own store): the worker's cache still holds the old list.
        await publishSequence(prismaContentStore(t.db), trialOnboarding);
        expect((await store.list('sequence')).some((r) => r.contentId === trialOnboarding.current.id)).toBe(false);
        clock += 1_000;
        const b = await signalLead(env, tq, 'C-db2', baseProfile({ email: 'db2@content.test' }), { id: 'd2', type: 'page_viewed', data: { url: '/blog/a' } });
        await passUntil(env, async () => (await b.query(stateQuery)).sequence !== null, 'the second lead in a sequence');
        expect((await b.query(stateQuery)).sequence?.id).toBe('trial-onboarding');
        expect((await a.query(stateQuery)).sequence?.id).toBe('cold-education');
      });
    } finally {
      await t.cleanup();
    }
  });
});

test('the shipped cold-education is v1 (the suite publishes its v2)', () => {
  expect(coldEducation.current.version).toBe(1);
});
