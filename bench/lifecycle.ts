// Lifecycle benchmark (issue 9, item 3), on the time-skipping test server with in-memory activities:
//   a) one lead's 24 months (target < 3 s wall)
//   b) N leads x 12 months (default 1,000; target < 60 s wall)
// Prints the figures and writes bench/results/lifecycle.json.   npx tsx bench/lifecycle.ts [--leads 1000] [--timeout 600]
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createTimeSkippingEnv } from '../test/helpers/temporal';
import { fakeWorld } from '../test/support/fake-activities';
import { baseProfile, signalLead, startWorkers } from '../test/support/lead-harness';
import { scenarios } from '../test/support/scenarios';
import { leadEventSignal, stateQuery } from '../workflows/lead/messages';
import { machine, numberArg, writeResult } from './report';

const DAY = 86_400_000;

async function main(): Promise<void> {
  const LEADS = numberArg('leads', 1000);
  const TIMEOUT_S = numberArg('timeout', 600);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // One server per part: the one lead is still alive when part a's workers stop, and an activity it
  // has pending then keeps that server's clock from skipping again (dev/time-skipping.ts): part b
  // on the same server waited in real time (the bench "hung", both processes idle).
  let env = await createTimeSkippingEnv();
  try {
    // a) One lead, 24 months: the replay scenarios' full lives, then a year of quiet.
    const w1 = fakeWorld();
    const workers1 = await startWorkers(env, 'bench-one', w1.activities);
    const t1 = Date.now();
    await workers1.run(async () => {
      await scenarios[1].play(env, 'bench-one', w1); // rejected -> deferred -> re-qualified (~13 months)
      await env.sleep(330 * DAY);
    });
    const oneLeadMs = Date.now() - t1;

    // b) Many leads over 12 months: each enters the drips, some show interest mid-way.
    await env.teardown();
    env = await createTimeSkippingEnv();
    const w2 = fakeWorld();
    w2.managers = Array.from({ length: 50 }, (_, i) => ({ id: `m${i}`, email: `m${i}@sales.test` }));
    const workers2 = await startWorkers(env, 'bench-many', w2.activities);
    const t2 = Date.now();
    const cpu2 = process.cpuUsage();
    let states: string[] = [];
    // Bounded: the time-skipping server once stalled here (both processes idle, "excess pings" in its
    // log); a stall ends the run with a clear line instead of hanging.
    const bound = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${LEADS} leads x 12 months did not finish within ${TIMEOUT_S} s (stalled?)`)), TIMEOUT_S * 1000).unref());
    await workers2.run(() => Promise.race([bound, (async () => {
      const handles = [];
      for (let i = 0; i < LEADS; i += 50) {
        handles.push(...(await Promise.all(Array.from({ length: Math.min(50, LEADS - i) }, (_, j) => signalLead(env, 'bench-many', `B${i + j}`, baseProfile({ email: `b${i + j}@x.test` }), { id: `b${i + j}-0`, type: 'page_viewed', data: { url: '/blog' } })))));
      }
      await env.sleep(45 * DAY);
      await Promise.all(handles.filter((_, i) => i % 4 === 0).map((h, i) => h.signal(leadEventSignal, { id: `int-${i}`, type: 'webinar_attended' })));
      await env.sleep(320 * DAY);
      states = await Promise.all(handles.map(async (h) => (await h.query(stateQuery)).stage));
    })()]));
    const manyMs = Date.now() - t2;
    // This process runs the workers (workflow code + activities); the rest of the wall is the server.
    const used = process.cpuUsage(cpu2);
    const benchCpuMs = Math.round((used.user + used.system) / 1000);
    const stages = states.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
    const result = {
      oneLead24Months: { wallMs: oneLeadMs, targetMs: 3000, mails: w1.mails.length, events: w1.events.length },
      manyLeads12Months: { leads: LEADS, wallMs: manyMs, targetMs: 60000, mails: w2.mails.length, events: w2.events.length, stages, workerProcessCpuMs: benchCpuMs },
    };
    console.log(`one lead, 24 months:        ${oneLeadMs} ms wall (target < 3000), ${w1.mails.length} mails, ${w1.events.length} LeadEvent rows`);
    console.log(`${LEADS} leads, 12 months:   ${manyMs} ms wall (target < 60000; worker process CPU ${benchCpuMs} ms), ${w2.mails.length} mails, stages ${JSON.stringify(stages)}`);
    console.log(`machine: ${machine().cores} cores, ${machine().cpu}`);
    console.log(`written ${writeResult('lifecycle', result)}`);
  } finally {
    await env.teardown();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
