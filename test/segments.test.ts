// Segments as data: custom fields accepted (and refused, naming the field) by the intake API and the
// CSV import; segment counts on the real database, from parameterised queries; sequence entry and
// offer audiences by segment; segment versions published immutable; `npm run segments -- count`.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawn } from 'child_process';
import path from 'path';
import { createContentActivities } from '../activities/content';
import { chooseSequence, currentSegment, publishSegment, publishSequence, PublishError } from '../domain/content/catalogue';
import { memoryContentStore } from '../domain/content/memory-store';
import { createOfferAudienceActivities } from '../activities/offers/audience';
import { countSegment, isSegmentMember } from '../domain/segments/query';
import { createEmailVerifier } from '../domain/intake/email-verification';
import { importLeads } from '../domain/intake/lead-import';
import { segmentProblems } from '../domain/content/segment-definitions';
import { defineSequence, send, type SequenceDefinition } from '../workflows/sequences/dsl';
import { segments } from '../content/segments';
import { defineSegment, type SegmentDefinition } from '../workflows/segments/define';
import { createTestDb, type TestDb } from './helpers/db';
import { DURATION_HINT } from '../workflows/duration';
import { createTimeSkippingEnv } from './helpers/temporal';
import { fakeResolver, intakeApi, validLead, type IntakeApi } from './intake.helpers';

const root = path.join(__dirname, '..');
const DAY = 86_400_000;
let env: TestWorkflowEnvironment;
let t: TestDb;
let s: IntakeApi;
const taskQueue = `segments-${process.pid}`;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  t = await createTestDb();
  s = await intakeApi(t, env.client, taskQueue);
  await t.db.campaign.create({ data: { id: 'spring-webinar', name: 'Spring webinar', channel: 'event', spend: 100 } });
}, 120_000);

afterAll(async () => {
  await s?.api.close();
  for (const l of (await t?.db.lead.findMany({ select: { workflowId: true } })) ?? []) await env.client.workflow.getHandle(l.workflowId).terminate('test cleanup').catch(() => undefined);
  await t?.cleanup();
  await env?.teardown();
});

const post = (payload: unknown) => s.api.inject({ method: 'POST', url: '/leads', payload: payload as Record<string, unknown>, headers: s.auth('intake') });
const segment = (id: string): SegmentDefinition => segments.find((x) => x.id === id)!;

describe('custom fields at intake', () => {
  test('the API stores a valid custom object and refuses a bad one with 400 naming the field', async () => {
    let res = await post(validLead({ email: 'cf1@acme.test', custom: { plan: 'trial', seats: 60, trialEndsOn: '2027-03-01' } }));
    expect([200, 201, 202]).toContain(res.statusCode);
    expect((await t.db.lead.findUniqueOrThrow({ where: { email: 'cf1@acme.test' } })).custom).toEqual({ plan: 'trial', seats: 60, trialEndsOn: '2027-03-01' });
    // A known lead: the new value merges into what is stored.
    res = await post(validLead({ email: 'cf1@acme.test', custom: { seats: 75 } }));
    expect(res.statusCode).toBeLessThan(300);
    expect((await t.db.lead.findUniqueOrThrow({ where: { email: 'cf1@acme.test' } })).custom).toEqual({ plan: 'trial', seats: 75, trialEndsOn: '2027-03-01' });
    for (const [custom, field, message] of [
      [{ plan: 'gold' }, 'custom.plan', /must be one of free, trial, team, enterprise/],
      [{ seats: 2.5 }, 'custom.seats', /whole number/],
      [{ trialEndsOn: 'soon' }, 'custom.trialEndsOn', /date like 2027-03-01/],
      [{ favouriteColour: 'red' }, 'custom.favouriteColour', /nrecognized key/],
    ] as const) {
      const bad = await post(validLead({ email: 'cf2@acme.test', custom }));
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors).toEqual([{ field, message: expect.stringMatching(message) }]);
    }
    expect(await t.db.lead.count({ where: { email: 'cf2@acme.test' } })).toBe(0);
  });

  test('the CSV import reads custom.<name> columns and names a bad cell', async () => {
    const csv = ['email,first_name,channel,custom.plan,custom.seats,custom.newsletter', 'imp1@acme.test,Ivo,import,team,12,yes', 'imp2@acme.test,Iza,import,gold,3,no'].join('\n');
    const r = await importLeads({ db: t.db, temporal: env.client, taskQueue, verifier: createEmailVerifier({ resolver: fakeResolver }) }, csv);
    expect(r.bad).toEqual([{ line: 3, errors: [{ field: 'custom.plan', message: expect.stringMatching(/must be one of/) }] }]);
    expect((await t.db.lead.findUniqueOrThrow({ where: { email: 'imp1@acme.test' } })).custom).toEqual({ plan: 'team', seats: 12, newsletter: true });
  });
});

describe('segment counts on the database', () => {
  beforeAll(async () => {
    // Hand-made leads: what each shipped segment must count is worked out in the comments.
    const now = Date.now();
    const lead = (id: string, data: Record<string, unknown>) =>
      t.db.lead.create({ data: { id, email: `${id}@seg.test`, workflowId: `lead-${id}`, source: 'web_form', ...data } });
    await lead('s1', { country: 'PL', custom: { plan: 'trial' }, temperature: 'warm', campaignId: 'spring-webinar', score: 25, companySize: 250 }); // polish-trials (active), webinar-campaign-warm, big-teams
    await lead('s2', { country: 'PL', custom: { plan: 'trial' } }); // not active in 30 days
    await lead('s3', { country: 'DE', custom: { plan: 'trial', seats: 80 }, score: 30, temperature: 'hot', utm: { source: 'linkedin' } }); // webinar-campaign-warm, big-teams
    await lead('s4', { country: 'PL', custom: { plan: 'team', seats: 10 }, score: 50, temperature: 'cold', campaignId: 'spring-webinar' }); // none
    await lead('s5', { country: 'pl', custom: { plan: 'trial' }, erasedAt: new Date() }); // erased: never counted
    await lead('s6', { country: 'PL', custom: { plan: 'trial' } }); // active 40 days ago only
    await t.db.leadEvent.createMany({
      data: [
        { leadId: 's1', type: 'email_opened', occurredAt: new Date(now - 3 * DAY) },
        { leadId: 's2', type: 'stage_changed', occurredAt: new Date(now - DAY) }, // the engine's record, not the lead's activity
        { leadId: 's6', type: 'page_viewed', occurredAt: new Date(now - 40 * DAY) },
      ],
    });
  });

  test('each shipped segment counts the leads worked out by hand', async () => {
    expect(segmentProblems(segments)).toEqual([]);
    const members = async (def: SegmentDefinition, ids: string[]) => (await Promise.all(ids.map(async (l) => ((await isSegmentMember(t.db, def, l)) ? l : null)))).filter(Boolean);
    const count = (id: string) => members(segment(id), ['s1', 's2', 's3', 's4', 's5', 's6']);
    expect(await count('polish-trials')).toEqual(['s1']);
    expect(await count('webinar-campaign-warm')).toEqual(['s1', 's3']);
    expect(await count('big-teams')).toEqual(['s1', 's3']);
    const inactive = defineSegment({ id: 'gone-quiet', version: 1, name: 'x', description: '', where: { all: [{ country: ['PL'] }, { lastActivity: { inactiveFor: '30 days' } }, { custom: 'plan', is: { exists: true } }] } });
    expect(await members(inactive, ['s1', 's2', 's4', 's6'])).toEqual(['s2', 's4', 's6']);
    // The count is the same query: the seeded leads plus the intake leads of the tests above.
    expect(await countSegment(t.db, segment('big-teams'))).toBe(2);
  });

  test('values are bound as parameters: a quote in a value is data, not SQL', async () => {
    const evil = defineSegment({ id: 'evil', version: 1, name: 'x', description: '', where: { any: [{ field: 'company', is: { in: ["x'); DROP TABLE \"Lead\"; --"] } }, { custom: "plan' OR '1'='1", is: { in: ["' OR 1=1 --"] } }] } });
    expect(await countSegment(t.db, evil)).toBe(0);
    expect(await t.db.lead.count()).toBeGreaterThan(5);
  });

  test('npm run segments -- count <id> on the real database', async () => {
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'cli/segments.ts'), 'count', 'webinar-campaign-warm'], { env: { ...process.env, DATABASE_URL: t.url } });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d));
      p.stderr.on('data', (d: Buffer) => (stderr += d));
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    // s1 and s3, plus cf1 (warm? no: a new intake lead is cold) -> 2.
    expect([out.code, out.stderr]).toEqual([0, '']);
    expect(out.stdout.trim()).toBe('2 lead(s) in webinar-campaign-warm v1 (shipped, not yet published) now: Warm leads from the webinar campaign');
  }, 60_000);
});

describe('segments as published content', () => {
  const store = memoryContentStore();
  const seq = (id: string, priority: number, seg?: string): SequenceDefinition =>
    defineSequence({ id, version: 1, name: id, description: '', entry: { stages: ['nurturing'], reentry: false, priority, ...(seg ? { segment: seg } : {}) }, goals: [], steps: [send('cold-ebook')] });

  test('a segment version is immutable; entry takes the segment sequence only for its members', async () => {
    await publishSegment(store, segment('big-teams'));
    expect((await publishSegment(store, segment('big-teams'))).status).toBe('unchanged');
    await expect(publishSegment(store, { ...segment('big-teams'), where: { score: { gte: 1 } } })).rejects.toThrow(PublishError);
    await publishSequence(store, { current: seq('for-big-teams', 50, 'big-teams') });
    await publishSequence(store, { current: seq('for-everyone', 10) });
    const content = createContentActivities(store, undefined, (sg, id) => isSegmentMember(t.db, sg, id));
    const ask = (leadId: string) => content.chooseSequence({ leadId, stage: 'nurturing', temperature: 'cold', source: 'web_form', done: [], doneThisStage: [] });
    expect((await ask('s1'))?.id).toBe('for-big-teams');
    expect((await ask('s4'))?.id).toBe('for-everyone');
    // Without a database to ask (previews), a segment rule never matches.
    expect((await chooseSequence(store, { leadId: 's1', stage: 'nurturing', temperature: 'cold', source: 'web_form', done: [], doneThisStage: [] }))?.id).toBe('for-everyone');
    // A new version of the segment: the next choice uses it; what was chosen before stays recorded.
    await publishSegment(store, { ...segment('big-teams'), version: 2, where: { country: ['DE'] } });
    expect((await currentSegment(store, 'big-teams'))?.version).toBe(2);
    expect((await ask('s1'))?.id).toBe('for-everyone');
    expect((await ask('s3'))?.id).toBe('for-big-teams');
  });

  test('an offer audience by segment reaches its deferred members only; an unpublished segment is an error', async () => {
    await t.db.lead.updateMany({ where: { id: { in: ['s1', 's3', 's4'] } }, data: { stage: 'deferred' } });
    const offers = createOfferAudienceActivities({ db: t.db, content: store });
    expect((await offers.listOfferAudience({ segment: 'big-teams' }, null, 10)).leadIds).toEqual(['s3']);
    expect((await offers.listOfferAudience({ segment: 'big-teams', countries: ['PL'] }, null, 10)).leadIds).toEqual([]);
    await expect(offers.listOfferAudience({ segment: 'nope' }, null, 10)).rejects.toThrow(/segment "nope" is not published/);
  });

  test('a bad segment is refused naming the field', () => {
    const bad = defineSegment({ id: 'Bad Id', version: 1, name: 'x', description: '', where: { all: [{ custom: 'colour', is: { in: ['red'] } }, { lastActivity: { within: 'a while' } }] } });
    expect(segmentProblems([bad])).toEqual([
      'segment Bad Id@v1 id: lower-case letters, digits and - only',
      expect.stringMatching(/^segment Bad Id@v1 where\.all\.0\.custom: is not a declared custom field/),
      `segment Bad Id@v1 where.all.1.lastActivity.within: ${DURATION_HINT}`,
    ]);
  });
});
