// Offers and greetings as pure functions: an offer mailed in the deferred base, held back by the
// cap, dropped when the lead moved on; a greeting on the day, held back, and never twice.
import { decide as greetings } from '../workflows/greetings/decide';
import type { Command, Performed } from '../workflows/lead/commands';
import { decide as offers } from '../workflows/offers/decide';
import { DAY, T0, deepFreeze, leadState } from './support/lead-state';

const offer = { campaignId: 'spring', runId: 'run-1', content: { en: { title: 'Spring', text: 'Offer.' } }, path: '/offers/spring', until: new Date(T0 + 10 * DAY).toISOString() };
const performed = (command: Command, outcome: Performed['outcome']): Performed => ({ kind: 'performed', command, outcome }) as Performed;

test('an offer for a deferred lead is mailed; held back by the cap it waits; sent, it is done', () => {
  const s = deepFreeze(offers(leadState({ stage: 'deferred' }), { kind: 'offer', input: offer }, T0).state);
  const d = offers(s, { kind: 'tick' }, T0);
  expect(d.commands.map((c) => c.kind === 'sendEmail' && c.mail.template)).toEqual(['offer']);
  const held = offers(deepFreeze(d.state), performed(d.commands[0], { ok: true, value: { status: 'deferred', until: new Date(T0 + DAY).toISOString(), reason: 'frequency_cap' } }), T0);
  expect(held.state.offers.map((o) => o.notBefore)).toEqual([T0 + DAY]);
  expect(offers(deepFreeze(held.state), { kind: 'tick' }, T0 + 1000).commands).toEqual([]);
  const again = offers(deepFreeze(held.state), { kind: 'tick' }, T0 + DAY);
  const sent = offers(deepFreeze(again.state), performed(again.commands[0], { ok: true, value: { status: 'sent', messageId: 'm' } }), T0 + DAY);
  expect(sent.state.offers).toEqual([]);
  expect(sent.state.outbox.at(-1)?.type).toBe('offer_sent');
});

test('an offer that could not be sent is skipped with its reason; a lead not deferred does not get it', () => {
  const s = deepFreeze(offers(leadState({ stage: 'deferred' }), { kind: 'offer', input: offer }, T0).state);
  const d = offers(s, { kind: 'tick' }, T0);
  const failed = offers(deepFreeze(d.state), performed(d.commands[0], { ok: false, reason: 'template broke' }), T0);
  expect(failed.state.offers).toEqual([]);
  expect(failed.state.outbox.at(-1)).toMatchObject({ type: 'offer_not_sent', reason: 'template broke' });
  const nurturing = offers(leadState({ stage: 'nurturing' }), { kind: 'offer', input: offer }, T0).state;
  expect(nurturing.offers).toEqual([]);
  expect(nurturing.outbox.at(-1)).toMatchObject({ type: 'offer_skipped', reason: 'lead is nurturing' });
});

test('a greeting on the day, once; held back by quiet hours it is tried again the same day', () => {
  const occ = { key: 'PL:easter', name: 'Wielkanoc', sendAt: new Date(T0 + 5 * DAY).toISOString() };
  let s = leadState({ stage: 'deferred' });
  const look = greetings(s, { kind: 'tick' }, T0);
  expect(look.commands.map((c) => c.kind)).toEqual(['nextHoliday']);
  s = deepFreeze(greetings(deepFreeze(look.state), performed(look.commands[0], { ok: true, value: occ }), T0).state);
  expect(greetings(s, { kind: 'tick' }, T0 + DAY).commands).toEqual([]);
  const due = greetings(s, { kind: 'tick' }, T0 + 5 * DAY);
  expect(due.commands.map((c) => c.kind === 'sendEmail' && c.mail.template)).toEqual(['holiday-greeting']);
  const quiet = greetings(deepFreeze(due.state), performed(due.commands[0], { ok: true, value: { status: 'deferred', until: new Date(T0 + 5 * DAY + 3_600_000).toISOString(), reason: 'quiet_hours' } }), T0 + 5 * DAY);
  expect(quiet.state.holiday.next?.sendAt).toBe(new Date(T0 + 5 * DAY + 3_600_000).toISOString());
  const later = greetings(deepFreeze(quiet.state), { kind: 'tick' }, T0 + 5 * DAY + 3_600_000);
  const sent = greetings(deepFreeze(later.state), performed(later.commands[0], { ok: true, value: { status: 'sent', messageId: 'x' } }), T0 + 5 * DAY + 3_600_000);
  expect(sent.state.holiday.sent).toEqual(['PL:easter']);
  expect(sent.state.outbox.filter((r) => r.type === 'holiday_greeting_sent')).toHaveLength(1);
});
