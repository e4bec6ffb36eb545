// BANT with one failed item, on the time-skipping server: every answer kept, the gap recorded once,
// one move to nurturing (no mql -> nurturing -> mql bounce); a corrected answer later makes it an SQL.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { leadEventSignal, recordBantUpdate, stateQuery } from '../workflows/lead/messages';
import { fakeWorld } from './support/fake-activities';
import { baseProfile, passUntil, signalLead, startWorkers, useTimeSkippingEnv } from './support/lead-harness';

const DAY = 86_400_000;
let env: TestWorkflowEnvironment;
useTimeSkippingEnv((e) => (env = e));

test('a failed BANT item: answers kept, gap recorded, one move to nurturing; fixed, it goes to sales', async () => {
  const w = fakeWorld();
  const tq = `bant-${process.pid}`;
  const workers = await startWorkers(env, tq, w.activities);
  await workers.run(async () => {
    const h = await signalLead(env, tq, 'B1', baseProfile({ email: 'b1@bant.test' }), { id: 'b1-1', type: 'page_viewed', data: { url: '/pricing' } });
    await h.signal(leadEventSignal, { id: 'b1-2', type: 'webinar_attended' });
    await passUntil(env, async () => (await h.query(stateQuery)).stage === 'mql', 'mql');
    await h.executeUpdate(recordBantUpdate, { args: [{ answers: { budget: { passed: false, note: 'no budget this year' }, authority: { passed: true }, need: { passed: true }, timing: { passed: true } } }] });
    await env.sleep(2 * DAY);
    let v = await h.query(stateQuery);
    expect(v.stage).toBe('nurturing');
    expect(Object.keys(v.bant).sort()).toEqual(['authority', 'budget', 'need', 'timing']);
    expect(v.bant.budget).toMatchObject({ passed: false, note: 'no budget this year' });
    expect(v.bantGap).toEqual(['budget']);
    expect(v.history.transitions.map((t) => t.to)).toEqual(['nurturing', 'mql', 'nurturing']);
    expect(w.events.filter((e) => e.leadId === 'B1' && e.type === 'bant_gap').map((e) => e.reason)).toEqual(['budget']);

    await h.executeUpdate(recordBantUpdate, { args: [{ answers: { budget: { passed: true, note: 'found budget' } } }] });
    await passUntil(env, async () => (await h.query(stateQuery)).stage === 'handed_off', 'hand-off after the corrected answer');
    v = await h.query(stateQuery);
    expect(v.history.transitions.map((t) => t.to)).toEqual(['nurturing', 'mql', 'nurturing', 'mql', 'sql', 'handed_off']);
  });
});
