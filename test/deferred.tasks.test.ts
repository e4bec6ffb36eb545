// The re-contact task activity on a real database (PostgreSQL): the manager is picked through the routing ranking (the previous one first when still
// eligible), the task carries the refusal, the current survey answers and only the behaviour since
// the "no", and a retried activity creates one task.
import { TEMPLATES } from '../domain/mail/templates';
import type { RecontactDetails } from '../activities/sales/tasks';
import { createTaskActivities, summarise } from '../activities/sales/tasks';
import { recontactParts } from '../domain/mail/recontact';
import { recordRefusalNote } from '../domain/sales/refusal-note';
import type { RecontactTaskRequest } from '../workflows/activity-contract';
import { createTestDb, type TestDb } from './helpers/db';

const hours = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' };

describe('on PostgreSQL', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  test(`re-contact task with everything gathered, for the right manager, once`, async () => {
    const { db } = t;
    const mk = (email: string, tier: number, languages: string[]) => db.manager.create({ data: { name: email, email, tier, languages, regions: [], workingHours: hours, outOfOffice: [], capacity: 5 } });
    const best = await mk('best@x.test', 1, ['pl']);
    const previous = await mk('prev@x.test', 2, ['pl']);
    await mk('greek@x.test', 1, ['el']);
    const lead = await db.lead.create({ data: { id: 'T1', email: 't1@x.test', locale: 'pl', country: 'PL', source: 'web_form', workflowId: 'lead-T1', stage: 'deferred' } });
    const rejectedAt = new Date('2027-01-10T10:00:00Z');
    const ev = (type: string, at: string, payload?: object) => db.leadEvent.create({ data: { leadId: lead.id, type, occurredAt: new Date(at), ...(payload ? { payload: payload as never } : {}) } });
    await ev('page_viewed', '2027-01-05T10:00:00Z', { url: '/before' }); // before the "no": not "since"
    await ev('stage_changed', '2027-01-10T10:00:00Z');
    await ev('email_clicked', '2027-03-01T10:00:00Z', { url: 'https://x.test/offers/spring' });
    await ev('page_viewed', '2027-03-01T10:01:00Z', { url: '/pricing' });
    await db.surveyResponse.create({ data: { leadId: lead.id, answers: { reason: 'no_budget', timing: 'in_6_months' }, current: false } });
    await db.surveyResponse.create({ data: { leadId: lead.id, answers: { reason: 'bad_timing', timing: 'in_3_months', comment: 'after Q2' }, current: true } });

    const req: RecontactTaskRequest = {
      leadId: lead.id,
      dedupKey: 'T1:recontact:1:123',
      score: 47,
      temperature: 'warm',
      locale: 'pl',
      country: 'PL',
      previousOwner: previous.id,
      rejection: { reason: 'no_budget', note: 'frozen', by: 'sales', at: rejectedAt.toISOString(), survey: { reason: 'bad_timing' } },
      now: '2027-04-10T08:00:00Z',
    };
    const acts = createTaskActivities({ db });
    const [a, b] = await Promise.all([acts.createRecontactTask(req), acts.createRecontactTask(req)]);
    expect(b.taskId).toBe(a.taskId);
    expect(await db.task.count()).toBe(1);
    // The previous manager knew the lead and is still eligible.
    expect(a.managerId).toBe(previous.id);
    const task = await db.task.findUniqueOrThrow({ where: { id: a.taskId } });
    expect(task).toMatchObject({ kind: 'recontact', status: 'open', leadId: 'T1' });
    const d = task.details as unknown as RecontactDetails;
    expect(d.refusal).toMatchObject({ reason: 'no_budget', note: 'frozen' });
    expect(d.survey).toEqual({ reason: 'bad_timing', timing: 'in_3_months', comment: 'after Q2' }); // the current answer
    expect(d.behaviourSince.counts).toEqual({ email_clicked: 1, page_viewed: 1 });
    expect(d.behaviourSince.recent.map((e) => e.url)).toEqual(['https://x.test/offers/spring', '/pricing']);
    // What the manager's mail needs: where it goes, and the task as lines (survey without its locale),
    // which the send activity reads from the row: the result carries no free text (it is in the history).
    expect(a.managerEmail).toBe('prev@x.test');
    expect(b.managerEmail).toBe('prev@x.test');
    expect(a).not.toHaveProperty('summary');
    expect(await recontactParts(db, lead.id, a.taskId)).toEqual({
      refusal: 'no_budget (by sales, 2027-01-10)',
      refusalNote: 'frozen',
      surveyAnswers: 'reason: bad_timing; timing: in_3_months; comment: after Q2',
      behaviourSince: 'email clicked ×1, page viewed ×1; latest: https://x.test/offers/spring, /pricing',
    });
    expect(await recontactParts(db, 'someone-else', a.taskId)).toBeNull();

    // Since the private-notes patch the request names the note by id; the activity reads its text.
    const noteId = await recordRefusalNote(db, lead.id, 'frozen until Q3');
    const { note: _note, ...byId } = req.rejection!;
    const n = await acts.createRecontactTask({ ...req, dedupKey: 'T1:recontact:1:789', rejection: { ...byId, noteId } });
    expect((await db.task.findUniqueOrThrow({ where: { id: n.taskId } })).details).toMatchObject({ refusal: { reason: 'no_budget', note: 'frozen until Q3' } });

    // The previous manager no longer eligible: the routing ranking decides (language must match, so
    // the Greek-speaking manager is never picked for a Polish lead).
    await db.manager.update({ where: { id: previous.id }, data: { active: false } });
    const c = await acts.createRecontactTask({ ...req, dedupKey: 'T1:recontact:2:456' });
    expect(c.managerId).toBe(best.id);
    expect(c.managerEmail).toBe('best@x.test');
    expect(await db.task.count()).toBe(3);
  });
});

test("the task summary always fits the manager's mail template, however long the free text", () => {
  const long = 'x'.repeat(5000);
  const d: RecontactDetails = {
    why: long,
    score: 50,
    temperature: 'warm',
    refusal: { reason: 'other', note: long, by: 'sales', at: '2027-01-10T10:00:00Z' },
    survey: { reason: 'bad_timing', comment: long, locale: 'pl' },
    behaviourSince: { since: '2027-01-10T10:00:00Z', counts: { page_viewed: 7 }, recent: Array.from({ length: 7 }, (_, i) => ({ type: 'page_viewed', at: '2027-02-01T10:00:00Z', url: `/${i}/${long}` })) },
  };
  const s = summarise(d);
  expect(s.refusalNote).toHaveLength(2000);
  expect(s.surveyAnswers).not.toContain('locale');
  const card = { leadName: 'Ola', leadEmail: 'ola@x.test', source: 'web_form', score: 50, temperature: 'warm', bant: 'budget: ?' };
  expect(TEMPLATES['manager-recontact-task'].variables.safeParse({ ...card, taskId: 't1', why: 'x', ...s }).success).toBe(true);
  // Nothing to report is said, not left blank.
  expect(summarise({ ...d, refusal: null, survey: null, behaviourSince: { since: null, counts: {}, recent: [] } })).toEqual({ refusal: 'no refusal on record', refusalNote: null, surveyAnswers: null, behaviourSince: 'nothing recorded' });
});
