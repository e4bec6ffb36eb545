// Qualification as a pure function, without Temporal: score thresholds, the hot fast track, and a
// failed BANT item (answers kept, the gap recorded, one move to nurturing, no bounce back).
import { decide } from '../workflows/qualification/decide';
import type { LeadState } from '../workflows/lead/state';
import { DAY, T0, deepFreeze, leadState } from './support/lead-state';

const tick = (s: LeadState, t = T0): LeadState => deepFreeze(decide(s, { kind: 'tick' }, t).state);
const event = (s: LeadState, type: string, data: Record<string, string> = {}, t = T0): LeadState =>
  deepFreeze(decide(s, { kind: 'event', event: { id: `${type}-${s.eventsReceived}`, type: type as never, data }, at: t }, t).state);
const transitions = (s: LeadState): string[] => s.transitions.map((x) => `${x.from}->${x.to}`);

test('a new lead goes to nurturing; enough behaviour makes it an MQL; a hot one goes to sales', () => {
  let s = tick(leadState());
  expect(s.stage).toBe('nurturing');
  s = tick(event(event(s, 'page_viewed', { url: '/pricing' }), 'webinar_attended'));
  expect(s.stage).toBe('mql');
  expect(s.temperature).toBe('warm');
  s = tick(event(event(s, 'demo_booked'), 'replied'));
  expect(s.temperature).toBe('hot');
  expect(s.stage).toBe('sql');
  expect(transitions(s)).toEqual(['new->nurturing', 'nurturing->mql', 'mql->sql']);
});

test('BANT with one failed item: every answer kept, the gap recorded, one move to nurturing', () => {
  let s = tick(event(event(tick(leadState()), 'page_viewed', { url: '/pricing' }), 'webinar_attended'));
  expect(s.stage).toBe('mql');
  s = deepFreeze(decide(s, { kind: 'bant', answers: { budget: { passed: false, note: 'frozen' }, authority: { passed: true }, need: { passed: true }, timing: { passed: true } } }, T0 + 1000).state);
  for (let i = 0; i < 5; i++) s = tick(s, T0 + 2000 + i);
  expect(s.stage).toBe('nurturing');
  expect(Object.keys(s.bant).sort()).toEqual(['authority', 'budget', 'need', 'timing']);
  expect(s.bant.budget).toMatchObject({ passed: false, note: 'frozen' });
  expect(transitions(s)).toEqual(['new->nurturing', 'nurturing->mql', 'mql->nurturing']);
  expect(s.outbox.filter((r) => r.type === 'bant_gap').map((r) => r.reason)).toEqual(['budget']);
  // A corrected answer lets the rules judge it again: MQL, then SQL on a passed BANT.
  s = deepFreeze(decide(s, { kind: 'bant', answers: { budget: { passed: true } } }, T0 + DAY).state);
  s = tick(tick(s, T0 + DAY), T0 + DAY);
  expect(s.stage).toBe('sql');
  expect(transitions(s).slice(-2)).toEqual(['nurturing->mql', 'mql->sql']);
});

test('an unsubscribe ends the lead; a bounce marks it undeliverable; the input state is never changed', () => {
  const s0 = tick(leadState());
  const b = event(s0, 'bounced');
  expect(b.undeliverable).toBe(true);
  expect(s0.undeliverable).toBe(false);
  expect(event(s0, 'unsubscribed').stage).toBe('unsubscribed');
});
