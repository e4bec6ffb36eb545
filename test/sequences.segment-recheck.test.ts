// A lead outside any sequence is asked again when its score or last activity moves, not only when
// its stage, temperature or source does: a sequence may enter by a segment on a score range or on
// last activity, which the temperature band does not show (SEGMENT_RECHECK_PATCH).
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ChooseSequenceRequest } from '../workflows/activity-contract';
import { leadEventSignal, stateQuery } from '../workflows/lead/messages';
import { fakeWorld } from './support/fake-activities';
import { baseProfile, passUntil, signalLead, startWorkers, useTimeSkippingEnv } from './support/lead-harness';

let env: TestWorkflowEnvironment;
useTimeSkippingEnv((e) => (env = e));

test('a "none" answer lapses when the score moves inside its band: the lead enters once its segment takes it', async () => {
  const w = fakeWorld();
  const asked: ChooseSequenceRequest[] = [];
  let member = false;
  const real = w.activities.chooseSequence;
  // The segment (say "score 2 or more") is the database's to answer; here it says no until `member`.
  w.activities.chooseSequence = async (req) => {
    asked.push(req);
    return member ? real(req) : null;
  };
  const tq = `segment-recheck-${process.pid}`;
  const workers = await startWorkers(env, tq, w.activities);
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'SR-1', baseProfile({ email: 'sr@recheck.test' }), { id: 'sr-1', type: 'page_viewed', data: { url: '/blog/a' } });
    await passUntil(env, () => asked.length >= 1, 'the first choice');
    const first = await h.query(stateQuery);
    expect(first.sequence).toBeNull();

    member = true;
    await h.signal(leadEventSignal, { id: 'sr-2', type: 'page_viewed', data: { url: '/blog/b' } });
    await passUntil(env, async () => (await h.query(stateQuery)).sequence !== null, 'entry once the segment takes the lead');
    const after = await h.query(stateQuery);
    // Same stage, temperature and source: only the last activity (and perhaps the score) moved.
    expect([after.stage, after.temperature]).toEqual([first.stage, first.temperature]);
    expect(after.sequence?.id).toBe('cold-education');
    expect(asked.length).toBeGreaterThanOrEqual(2);
  });
});
