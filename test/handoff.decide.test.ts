// Hand-off and SLA as a pure function: routing as a command, the card mail, an SLA miss, a queue,
// and a failed hand-off (the card could not be sent) that the routing loop tries again.
import { ROUTE_RETRY_MS, decide } from '../workflows/handoff/decide';
import type { Command, Performed } from '../workflows/lead/commands';
import type { LeadState } from '../workflows/lead/state';
import { T0, deepFreeze, leadState } from './support/lead-state';

const routed = { assigned: true as const, managerId: 'm1', managerEmail: 'anna@sales.test', assignmentId: 'a1', reason: 'test', slaDueAt: new Date(T0 + 7_200_000).toISOString() };
const performed = (command: Command, outcome: Performed['outcome']): Performed => ({ kind: 'performed', command, outcome }) as Performed;

function handedOff(): { s: LeadState; card: Command } {
  const d = decide(leadState({ stage: 'sql' }), { kind: 'tick' }, T0);
  expect(d.commands.map((c) => c.kind)).toEqual(['routeLead']);
  const r = decide(deepFreeze(d.state), performed(d.commands[0], { ok: true, value: routed }), T0);
  expect(r.state.stage).toBe('handed_off');
  expect(r.commands.map((c) => c.kind === 'sendEmail' && c.mail.template)).toEqual(['manager-new-lead']);
  return { s: deepFreeze(r.state), card: r.commands[0] };
}

test('an SQL is routed, the manager gets the card; an SLA miss closes the offer and routes again', () => {
  const { s } = handedOff();
  expect(decide(s, { kind: 'tick' }, T0 + 1000).commands).toEqual([]);
  const miss = decide(s, { kind: 'tick' }, T0 + 7_200_000);
  expect(miss.commands).toEqual([{ kind: 'closeAssignment', assignmentId: 'a1', status: 'missed' }]);
  expect(miss.state.stage).toBe('sql');
  expect(miss.state.slaMisses).toBe(1);
  expect(miss.state.triedManagers).toEqual(['m1']);
});

test('nobody free: queued, routed again after the retry time or when capacity frees', () => {
  const d = decide(leadState({ stage: 'sql' }), { kind: 'tick' }, T0);
  const q = decide(deepFreeze(d.state), performed(d.commands[0], { ok: true, value: { assigned: false, reason: 'no eligible manager' } }), T0);
  expect(q.state.queue).toBe('awaiting_manager');
  expect(q.state.nextRouteAt).toBe(T0 + ROUTE_RETRY_MS);
  expect(decide(deepFreeze(q.state), { kind: 'tick' }, T0 + 1000).commands).toEqual([]);
  const freed = decide(deepFreeze(q.state), { kind: 'capacityFreed' }, T0 + 1000);
  expect(decide(deepFreeze(freed.state), { kind: 'tick' }, T0 + 1000).commands.map((c) => c.kind)).toEqual(['routeLead']);
});

test('routing that failed for good is tried again by the routing loop', () => {
  const d = decide(leadState({ stage: 'sql' }), { kind: 'tick' }, T0);
  const f = decide(deepFreeze(d.state), performed(d.commands[0], { ok: false, reason: 'db said no' }), T0);
  expect(f.state.stage).toBe('sql');
  expect(decide(deepFreeze(f.state), { kind: 'tick' }, T0 + ROUTE_RETRY_MS).commands.map((c) => c.kind)).toEqual(['routeLead']);
});

test('a card that could not be sent is a failed hand-off: released, back to sql, routed again later', () => {
  const { s, card } = handedOff();
  const f = decide(s, performed(card, { ok: false, reason: 'contains a line break' }), T0 + 10);
  expect(f.commands).toEqual([{ kind: 'closeAssignment', assignmentId: 'a1', status: 'released' }]);
  expect(f.state.stage).toBe('sql');
  expect(f.state.assignment).toBeNull();
  expect(f.state.nextRouteAt).toBe(T0 + 10 + ROUTE_RETRY_MS);
});

test('lost: a "no" (fresh readiness, assignment closed as lost)', () => {
  const { s } = handedOff();
  const accepted = decide(s, { kind: 'accept', input: { managerId: 'm1' } }, T0 + 100).state;
  const lost = decide(deepFreeze(accepted), { kind: 'outcome', input: { managerId: 'm1', outcome: 'lost', reason: 'no_budget' } }, T0 + 200).state;
  expect(lost.stage).toBe('rejected');
  expect(lost.behaviour.events).toEqual([]);
  expect(lost.pendingAssignmentClose).toEqual([{ id: 'a1', status: 'accepted' }, { id: 'a1', status: 'lost' }]);
});
