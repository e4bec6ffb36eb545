// Sleeping leads (issue 9, item 2): N lead workflows (default 100,000) that wait months, on the dev
// server with real activities; the worker runs in its own process with a small workflow cache, so
// sleepers are evicted and cost the worker nothing. Worker RSS after the start, after eviction, after
// waking 1,000 (a click: replay from history, then a real mail to the sink); every woken lead and a
// sample of the others answer the state query. Target: RSS flat and < 500 MB.
//   npx tsx bench/sleeping.ts [--leads 100000] [--wake 1000] [--sample 2000] [--cache N] [--heap MB]
import { leadEventSignal, stateQuery } from '../workflows/lead/messages';
import { cpuMeter, numberArg, pool, writeResult } from './report';
import { startStack } from './stack';

const LEADS = numberArg('leads', 100_000);
const WAKE = Math.min(numberArg('wake', 1000), LEADS);
const SAMPLE = Math.min(numberArg('sample', 2000), LEADS);
// Worker cache size (WORKER_MAX_CACHED_WORKFLOWS); without --cache the worker's default, as deployed.
const CACHE = process.argv.includes('--cache') ? numberArg('cache', 100) : null;
// Optional V8 old-space cap for the worker process, MB (NODE_OPTIONS=--max-old-space-size); 0 = Node's default.
const HEAP = numberArg('heap', 0);
const TARGET_MB = 500;

async function main(): Promise<void> {
  const stack = await startStack('sleeping');
  try {
    const worker = await stack.startWorker({ ...(CACHE ? { WORKER_MAX_CACHED_WORKFLOWS: String(CACHE) } : {}), ...(HEAP ? { NODE_OPTIONS: `--max-old-space-size=${HEAP}` } : {}) });
    const rss = { idle: round(worker.rssMb()) };
    // Where the RSS is: V8 heap (JS objects, workflow contexts) vs outside it (Rust core, buffers).
    const heap: Record<string, Awaited<ReturnType<typeof worker.memory>>> = { idle: await worker.memory() };
    const cpu = cpuMeter({ temporal: stack.dev.process?.pid, worker: worker.pid, bench: process.pid, postgres: stack.postgresPid && { tree: stack.postgresPid } });
    const t0 = Date.now();
    const ids: string[] = [];
    let done = 0;
    await pool(LEADS, 50, async (i) => {
      ids[i] = (await stack.intake(i, 'bench-sleep')).workflowId;
      if (++done % 1000 === 0) process.stdout.write(`\r  started ${done}/${LEADS}, worker RSS ${worker.rssMb().toFixed(0)} MB`);
    });
    // Asleep = its sequence entry is in the lead's history (written by an activity after the start).
    for (;;) {
      const asleep = await stack.db.db.leadEvent.count({ where: { type: 'sequence_entered' } });
      if (asleep >= LEADS) break;
      process.stdout.write(`\r  asleep ${asleep}/${LEADS}, worker RSS ${worker.rssMb().toFixed(0)} MB   `);
      await new Promise((r) => setTimeout(r, 2000));
    }
    const startMs = Date.now() - t0;
    const startCpu = cpu();
    Object.assign(rss, { afterStart: round(worker.rssMb()) });
    heap.afterStart = await worker.memory();
    process.stdout.write('\n');
    // Nothing is left to run: the cache holds at most CACHE of them; let the worker settle.
    await new Promise((r) => setTimeout(r, 15_000));
    Object.assign(rss, { afterEviction: round(worker.rssMb()) });
    heap.afterEviction = await worker.memory();

    // Wake WAKE of them with a click: each replays from history (evicted) and sends one real mail.
    const step = Math.max(1, Math.floor(LEADS / WAKE));
    const woken = Array.from({ length: WAKE }, (_, k) => ids[k * step]);
    const t1 = Date.now();
    await pool(woken.length, 50, (k) => stack.client.workflow.getHandle(woken[k]).signal(leadEventSignal, { id: `wake-${k}`, type: 'email_clicked' }));
    while (stack.sink.distinct() < WAKE) await new Promise((r) => setTimeout(r, 500));
    const wakeMs = Date.now() - t1;
    Object.assign(rss, { afterWaking: round(worker.rssMb()) });
    heap.afterWaking = await worker.memory();

    // Every woken lead and a sample of the sleepers answer the state query (each a replay).
    const sampleStep = Math.max(1, Math.floor(LEADS / SAMPLE));
    const asked = [...new Set([...woken, ...Array.from({ length: SAMPLE }, (_, k) => ids[(k * sampleStep + 1) % LEADS])])];
    const t2 = Date.now();
    let answered = 0;
    let wokenInDrip = 0;
    await pool(asked.length, 20, async (k) => {
      const v = await stack.client.workflow.getHandle(asked[k]).query(stateQuery);
      if (v.leadId) answered += 1;
      if (woken.includes(asked[k]) && v.sequencesDone.includes('bench-sleeper')) wokenInDrip += 1;
    });
    const queryMs = Date.now() - t2;
    Object.assign(rss, { afterQueries: round(worker.rssMb()), peak: round(worker.peakRssMb()) });
    const r = rss as Record<string, number>;
    const growth = r.afterWaking - r.afterStart;
    const result = {
      leads: LEADS,
      workerCache: CACHE ?? 'default',
      workerHeapCapMb: HEAP || null,
      start: { wallMs: startMs, perSecond: round(LEADS / (startMs / 1000)), cpuSeconds: startCpu },
      wake: { leads: WAKE, wallMs: wakeMs, mailsAtSink: stack.sink.distinct(), sequenceFinished: wokenInDrip },
      queries: { asked: asked.length, answered, wallMs: queryMs },
      workerRssMb: rss,
      workerMemoryMb: heap,
      targetMb: TARGET_MB,
      targetMet: r.peak < TARGET_MB && answered === asked.length,
    };
    console.log(`${LEADS} sleeping leads started in ${startMs} ms (${result.start.perSecond}/s); CPU s ${JSON.stringify(startCpu)}`);
    console.log(`worker RSS MB: ${JSON.stringify(rss)} (target < ${TARGET_MB}; after start -> after waking ${growth >= 0 ? '+' : ''}${growth.toFixed(0)} MB)`);
    console.log(`worker memory MB (V8 heap / outside): ${JSON.stringify(heap)}`);
    console.log(`woke ${WAKE}: ${stack.sink.distinct()} mails at the sink in ${wakeMs} ms; queried ${asked.length} (all woken + ${SAMPLE} sampled): ${answered} answered in ${queryMs} ms`);
    console.log(`written ${writeResult('sleeping', result)}`);
    if (answered !== asked.length) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}

const round = (x: number): number => Math.round(x * 10) / 10;

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
