// The lead's search attributes (issue 20): a flush upserts only the attributes whose value changed
// (each upsert is a visibility write on the server), and NextActionTime is kept to the minute.
// What ops filter on still matches the lead's state.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { searchAttributePayloadConverter } from '@temporalio/common/lib/converter/payload-search-attributes';
import { leadEventSignal, stateQuery } from '../workflows/lead/messages';
import { LeadSequence, LeadStage, NextActionTime } from '../workflows/search-attributes';
import { fakeWorld } from './support/fake-activities';
import { baseProfile, signalLead, startWorkers, useTimeSkippingEnv } from './support/lead-harness';

const DAY = 86_400_000;
const MINUTE = 60_000;
let env: TestWorkflowEnvironment;

useTimeSkippingEnv((e) => (env = e));

test('upserts carry only changed attributes; NextActionTime is whole minutes and matches the state', async () => {
  const w = fakeWorld();
  const tq = `search-attributes-${process.pid}`;
  const workers = await startWorkers(env, tq, w.activities);
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'SA1', baseProfile(), { id: 'sa-1', type: 'page_viewed', data: { url: '/blog/a' } });
    // A month of the drip: several mails, each step moving the next wake.
    await env.sleep(30 * DAY);
    await h.signal(leadEventSignal, { id: 'sa-2', type: 'page_viewed', data: { url: '/blog/b' } });
    await env.sleep(1000);
    expect(w.mails.length).toBeGreaterThanOrEqual(2);

    const events = (await h.fetchHistory()).events ?? [];
    const upserts = events
      .map((e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields)
      .filter((f): f is NonNullable<typeof f> => !!f)
      // patched() marks the run with TemporalChangeVersion (once per run): not one of the lead's own.
      .map((fields) => Object.fromEntries(Object.entries(fields).filter(([k]) => k !== 'TemporalChangeVersion').map(([k, p]) => [k, JSON.stringify(searchAttributePayloadConverter.fromPayload(p))])))
      .filter((u) => Object.keys(u).length > 0);
    expect(upserts.length).toBeGreaterThanOrEqual(2);
    // The first sends the lead's whole set; every later one only what differs from the last value sent.
    expect(Object.keys(upserts[0])).toEqual(expect.arrayContaining(['LeadStage', 'LeadSource', 'LeadSequence', 'NextActionTime']));
    const last: Record<string, string> = { ...upserts[0] };
    for (const u of upserts.slice(1)) {
      expect(Object.keys(u).length).toBeGreaterThan(0);
      expect(Object.keys(u).length).toBeLessThan(9);
      for (const [k, v] of Object.entries(u)) {
        expect([k, v]).not.toEqual([k, last[k]]);
        last[k] = v;
      }
    }
    // Fewer attributes per upsert than the full set on average: the source never changes, e.g.
    expect(upserts.slice(1).some((u) => 'LeadSource' in u)).toBe(false);

    const v = await h.query(stateQuery);
    const sa = (await h.describe()).typedSearchAttributes;
    expect(sa.get(LeadStage)).toBe(v.stage);
    expect(sa.get(LeadSequence)).toBe(v.sequence ? `${v.sequence.id}@v${v.sequence.version}` : undefined);
    const next = sa.get(NextActionTime);
    expect(next).toBeInstanceOf(Date);
    expect(next!.getTime() % MINUTE).toBe(0);
    expect(next!.getTime()).toBe(Math.floor(Date.parse(v.nextWakeAt!) / MINUTE) * MINUTE);
  });
});
