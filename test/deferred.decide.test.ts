// Deferred demand as a pure function: a "no" starts a fresh sales-readiness; a blog view or an open
// never brings a deferred lead back; the date or buying signals (the rules' list) do, owner first.
import { decide } from '../workflows/deferred/decide';
import { decide as qualify } from '../workflows/qualification/decide';
import type { Performed } from '../workflows/lead/commands';
import type { LeadState } from '../workflows/lead/state';
import type { LeadEventType } from '../workflows/types';
import { DAY, T0, deepFreeze, leadState } from './support/lead-state';

let n = 0;
/** An event as the shell applies it: qualification scores it, deferred demand judges it. */
function event(s: LeadState, type: LeadEventType, t: number, data: Record<string, string | number> = {}): LeadState {
  const e = { id: `e${++n}`, type, data };
  return deepFreeze(decide(qualify(s, { kind: 'event', event: e, at: t }, t).state, { kind: 'event', event: e }, t).state);
}

function deferredLead(): LeadState {
  // A CEO with a strong profile who read a lot, then said "no".
  let s = leadState({ stage: 'mql', profile: { ...leadState().profile, jobTitle: 'CEO', companySize: 300 } });
  s = event(event(s, 'webinar_attended', T0), 'document_downloaded', T0);
  expect(s.score).toBeGreaterThan(45);
  s = deepFreeze(decide(s, { kind: 'reject', input: { reason: 'no_budget', by: 'sales' } }, T0 + 1000).state);
  s = event(s, 'survey_answered', T0 + 2000, { reason: 'no_budget', timing: 'in_3_months', revisitMonths: 3 });
  return deepFreeze({ ...s, stage: 'deferred' });
}

test('a "no" resets sales-readiness: behaviour before it no longer counts', () => {
  const s = deferredLead();
  // Only what happened since: the survey answer.
  expect(s.behaviour.events.map((e) => e.type)).toEqual(['survey_answered']);
  expect(s.score).toBeLessThan(45);
  expect(s.readinessSince).toBe(T0 + 1000);
});

test('a blog view and an open keep a deferred lead deferred; nothing goes to sales', () => {
  let s = event(event(deferredLead(), 'page_viewed', T0 + DAY, { url: '/blog/some-post' }), 'email_opened', T0 + DAY);
  const d = decide(s, { kind: 'tick', noSequence: true }, T0 + DAY + 1);
  s = d.state;
  expect(s.stage).toBe('deferred');
  expect(d.commands).toEqual([]);
  expect(s.signalsSinceNo).toEqual([]);
});

test('the re-qualification date: a re-contact task for the owner first, then nurturing', () => {
  const s = deferredLead();
  const at = s.requalifyAt!;
  const d = decide(s, { kind: 'tick', noSequence: true }, at);
  expect(d.commands.map((c) => c.kind)).toEqual(['createRecontactTask']);
  expect(d.state.stage).toBe('deferred'); // moves once the owner has the task
  const task = d.commands[0] as Extract<Performed['command'], { kind: 'createRecontactTask' }>;
  const done = decide(deepFreeze(d.state), { kind: 'performed', command: task, outcome: { ok: true, value: { taskId: 't1', managerId: 'm1', managerEmail: 'anna@sales.test', why: 'previous owner', summary: { refusal: 'no_budget', refusalNote: null, surveyAnswers: null, behaviourSince: '' } } } } as Performed, at);
  expect(done.commands.map((c) => c.kind)).toEqual(['sendEmail']);
  const mailed = decide(deepFreeze(done.state), { kind: 'performed', command: done.commands[0], outcome: { ok: true, value: { status: 'sent', messageId: 'x' } } } as Performed, at);
  expect(mailed.state.stage).toBe('nurturing');
  expect(mailed.state.recontactTask).toEqual({ id: 't1', managerId: 'm1' });
});

test('a buying signal after the "no" (a pricing visit) re-qualifies for sales at once, owner first', () => {
  let s = event(deferredLead(), 'page_viewed', T0 + 5 * DAY, { url: '/pricing' });
  expect(s.signalsSinceNo).toEqual(['pricing visit']);
  const d = decide(s, { kind: 'tick', noSequence: true }, T0 + 5 * DAY);
  expect(d.commands.map((c) => c.kind)).toEqual(['createRecontactTask']);
  const task = d.commands[0] as Extract<Performed['command'], { kind: 'createRecontactTask' }>;
  expect(task.then).toBe('sql');
  // The task could not be created (recorded by the boundary): the lead still goes on, to sales.
  s = decide(deepFreeze(d.state), { kind: 'performed', command: task, outcome: { ok: false, reason: 'boom' } } as Performed, T0 + 5 * DAY).state;
  expect(s.stage).toBe('sql');
  expect(s.transitions.at(-1)?.reason).toMatch(/deferred lead showed interest: pricing visit/);
});

test('a late event that happened before the "no" is no buying signal', () => {
  const s = deferredLead();
  const e = { id: 'late', type: 'page_viewed' as const, at: new Date(T0).toISOString(), data: { url: '/pricing' } };
  const after = decide(s, { kind: 'event', event: e }, T0 + 3 * DAY).state;
  expect(after.signalsSinceNo).toEqual([]);
});
