// First-mail latency (issue 20, item 2): leads arrive through the HTTP API (its own process, real HTTP
// on 127.0.0.1) at a steady rate, each due its welcome mail at once (the shipped cold-education
// sequence's first step; quiet hours off): p50, p95, p99 from the API's 201 to the mail's arrival at
// the SMTP sink (its own process), on the real stack (dev server, PostgreSQL, worker process with
// the default EMAIL_RATE_PER_SECOND). With --burst N the same stream runs again while N deferred leads
// are greeted at once (bench/burst.ts's leads): what a new lead waits during a holiday burst.
//   npx tsx bench/latency.ts [--rate 10] [--seconds 60] [--burst 0]   -> bench/results/latency.json
import { loadavg } from 'os';
import { currentRules } from '../domain/content/catalogue';
import { prismaContentStore } from '../domain/content/prisma-store';
import { createApiKey } from '../api/auth';
import { startApiProcess } from './api-process';
import { seedDeferred, waitAsleep, zoneWithLocalHour } from './deferred-leads';
import { cpuMeter, numberArg, writeResult, type Metered } from './report';
import { startStack, type BenchStack } from './stack';

const RATE = numberArg('rate', 10);
const SECONDS = numberArg('seconds', 60);
const BURST = process.argv.includes('--burst') ? numberArg('burst', 0) : 0;
const EMAIL_RATE = 50;
const TARGET_P95_MS = 1000;

const load = (): number => Math.round(loadavg()[0] * 10) / 10;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Phase {
  leads: number;
  failedPosts: number;
  mailsArrived: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  load: { before: number; after: number };
  cpuSeconds: Record<string, number>;
}

/** Posts RATE leads a second for SECONDS, on a fixed schedule (not waiting for answers), then waits for every welcome mail. */
async function stream(stack: BenchStack, post: (email: string) => Promise<boolean>, name: string, pids: Record<string, Metered>): Promise<Phase> {
  const before = load();
  const cpu = cpuMeter(pids);
  const n = Math.round(RATE * SECONDS);
  const answered = new Map<string, number>();
  let failed = 0;
  const t0 = Date.now();
  const posts: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    await sleep(Math.max(0, t0 + (i * 1000) / RATE - Date.now()));
    const email = `lead-${name}-${i}@acme.test`;
    posts.push(post(email).then((ok) => (ok ? void answered.set(email, Date.now()) : void (failed += 1))));
  }
  await Promise.all(posts);
  let lastCount = -1;
  let lastChange = Date.now();
  const arrivedCount = (): number => [...answered.keys()].filter((e) => stack.sink.firstArrival().has(e)).length;
  while (arrivedCount() < answered.size && Date.now() - lastChange < 120_000) {
    await sleep(500);
    const c = arrivedCount();
    if (c !== lastCount) [lastCount, lastChange] = [c, Date.now()];
  }
  const arrivals = stack.sink.firstArrival();
  const ms = [...answered].flatMap(([e, at]) => (arrivals.has(e) ? [arrivals.get(e)! - at] : [])).sort((a, b) => a - b);
  return { leads: n, failedPosts: failed, mailsArrived: ms.length, p50Ms: percentile(ms, 50), p95Ms: percentile(ms, 95), p99Ms: percentile(ms, 99), maxMs: ms.at(-1) ?? null, load: { before, after: load() }, cpuSeconds: cpu() };
}

async function main(): Promise<void> {
  const stack = await startStack('latency');
  try {
    const worker = await stack.startWorker({ EMAIL_RATE_PER_SECOND: String(EMAIL_RATE) });
    const { key } = await createApiKey(stack.db.db, 'bench', ['intake']);
    const api = await startApiProcess(stack.db.url, stack.dev.address, stack.taskQueue);
    const pids = { temporal: stack.dev.process?.pid, worker: worker.pid, api: api.pid, sink: stack.sink.pid, bench: process.pid, postgres: stack.postgresPid && { tree: stack.postgresPid } };
    const post = async (email: string): Promise<boolean> => {
      const res = await fetch(`http://127.0.0.1:${api.port}/leads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email, firstName: 'Ola', company: 'Acme', companySize: 120, jobTitle: 'Head of Marketing', country: 'PL', locale: 'pl', timezone: 'Europe/Warsaw', source: { channel: 'web_form' }, consent: { status: 'confirmed', textVersion: 'v1' } }),
      });
      await res.arrayBuffer();
      return res.status === 201;
    };
    try {
      // Warm-up: JIT, connections, the worker's first workflows.
      for (let i = 0; i < 10; i++) await post(`warm-${i}@acme.test`);
      await stack.sink.waitFor(10, 120_000);

      const idle = await stream(stack, post, 'idle', pids);
      report('idle', idle);
      let underBurst: Phase | null = null;
      if (BURST) {
        const rules = await currentRules(prismaContentStore(stack.db.db));
        const t0 = Date.now();
        await seedDeferred(stack, rules, { prefix: 'probe', count: 50, zone: 'UTC', country: 'PL', sendAt: Date.now() + 300 * 86_400_000 });
        await waitAsleep(stack, 'probe', 50, 600_000);
        const sendAt = Date.now() + 20_000 + 2 * ((Date.now() - t0) / 50) * BURST;
        const day = zoneWithLocalHour(sendAt, 10);
        await seedDeferred(stack, rules, { prefix: 'greet', count: BURST, zone: day.zone, country: day.country, sendAt });
        await waitAsleep(stack, 'greet', BURST, Math.max(0, sendAt - Date.now()));
        while (Date.now() < sendAt) await sleep(200);
        underBurst = await stream(stack, post, 'burst', pids);
        report(`during a burst of ${BURST} greetings`, underBurst);
      }
      const result = {
        ratePerSecond: RATE,
        seconds: SECONDS,
        emailRatePerSecond: EMAIL_RATE,
        idle,
        burst: underBurst ? { greetings: BURST, ...underBurst } : null,
        targetP95Ms: TARGET_P95_MS,
        targetMet: idle.p95Ms !== null && idle.p95Ms < TARGET_P95_MS && idle.mailsArrived === idle.leads,
      };
      console.log(`written ${writeResult('latency', result)}`);
      if (idle.mailsArrived !== idle.leads) process.exitCode = 1;
    } finally {
      api.stop();
    }
  } finally {
    await stack.stop();
  }
}

function report(name: string, p: Phase): void {
  console.log(`${name}: ${p.leads} leads at ${RATE}/s, ${p.mailsArrived} welcome mails at the sink (${p.failedPosts} failed POSTs); 201 -> sink p50 ${p.p50Ms} ms, p95 ${p.p95Ms} ms, p99 ${p.p99Ms} ms, max ${p.maxMs} ms (target p95 < ${TARGET_P95_MS} ms); load ${p.load.before} -> ${p.load.after}; CPU s ${JSON.stringify(p.cpuSeconds)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
