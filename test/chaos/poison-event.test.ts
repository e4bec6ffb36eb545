// A malformed leadEvent payload for one lead: it is recorded as rejected and dropped; that lead's
// later events and every other lead carry on.
import { startStack, type BenchStack } from '../../bench/stack';
import { stateQuery } from '../../workflows/lead/messages';
import { chaosLeads, exactCounts, expectExact, intakeLeads } from './chaos-campaign';

let stack: BenchStack;
beforeAll(async () => {
  stack = await startStack('chaos-poison');
}, 300_000);
afterAll(() => stack?.stop());

test('poison signal for one lead blocks neither it nor the others', async () => {
  const n = chaosLeads(20);
  await stack.startWorker();
  const leads = await intakeLeads(stack, n);
  const victim = stack.client.workflow.getHandle(`lead-${leads[0]}`);
  // Sent untyped, as any client in any language could: wrong types, missing fields, null.
  const poison: unknown[] = [null, { id: 42, type: 'page_viewed' }, { id: 'p-1', type: 'no_such_event' }, 'not an object', { type: 'page_viewed' }];
  for (const p of poison) await victim.signal('leadEvent', p);
  await victim.signal('leadEvent', { id: 'later-1', type: 'page_viewed', data: { url: '/pricing' } });
  const counts = await exactCounts(stack, leads);
  const view = await victim.query(stateQuery);
  const rejected = await stack.db.db.leadEvent.count({ where: { leadId: leads[0], type: 'event_rejected' } });
  const later = view.score.events.filter((e) => e.id === 'later-1').length;
  console.log(`lead 0 got ${poison.length} malformed leadEvent signals: ${rejected} recorded as event_rejected; its later page view counted ${later}x (score ${view.score.total}); all ${n} leads got their mails`);
  expect(rejected).toBe(poison.length);
  expect(later).toBe(1);
  expectExact(counts);
});
