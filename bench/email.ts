// Email benchmark (issue 5): prints its figures and writes bench/results/email.json.
//  1. per-mail render from the compiled cache vs calling mjml for every mail (target >= 20x)
//  2. pooled sends/s to a local SMTP sink including the ledger (PostgreSQL) vs a bare nodemailer loop
//     (target >= 70%)
//   npx tsx bench/email.ts [--mails 600] [--rounds 11]
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { cpus, loadavg } from 'os';
import path from 'path';
import nodemailer from 'nodemailer';
import { compileUncached, render } from '../domain/mail/render';
import { createEmailActivities } from '../activities/email/send';
import { startSinkProcess } from './email-sink';
import { createTestDb, stopOwnTestServer } from '../test/helpers/db';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const MAILS = arg('mails', 600);
const ROUNDS = arg('rounds', 11);
const CONC = 5;
const vars = { firstName: 'Ola', company: 'Acme', companyName: 'Acme', companyAddress: '1 Main St', unsubscribeUrl: 'https://x/u/1', openUrl: 'https://x/o/1', ctaUrl: 'https://x/c', surveyUrl: 'https://x/s', locale: 'pl' };

async function timeIt(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn(i);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0];
  // 1. Rendering.
  await render('farewell', 'pl', vars); // warm the cache and the JIT
  const cachedN = 5000;
  const cachedMs = await timeIt(cachedN, () => render('farewell', 'pl', { ...vars, firstName: `Ola${Math.random()}` }));
  const mjmlN = 100;
  const mjmlMs = await timeIt(mjmlN, async () => {
    const c = await compileUncached('farewell', 'pl');
    return c.html.length;
  });
  const perCached = cachedMs / cachedN;
  const perMjml = mjmlMs / mjmlN;

  // 2. Sending: bare pooled nodemailer vs the activity (render + policy + ledger + SMTP), in
  // alternating rounds so that load from other processes on this shared machine hits both alike.
  const sink = await startSinkProcess();
  const smtp = { host: '127.0.0.1', port: sink.port, secure: false, pool: true, maxConnections: CONC };
  const bare = nodemailer.createTransport({ ...smtp, tls: { rejectUnauthorized: false } });
  const pre = await render('cold-ebook', 'pl', vars);
  const runConcurrent = async (n: number, fn: (i: number) => Promise<unknown>): Promise<number> => {
    let next = 0;
    const t = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CONC }, async () => {
      while (next < n) await fn(next++);
    }));
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const { db, cleanup } = await createTestDb();
  const total = MAILS * ROUNDS;
  await db.lead.createMany({ data: Array.from({ length: total }, (_, i) => ({ id: `b${i}`, email: `p${i}@x.test`, firstName: 'Ola', locale: 'pl', timezone: 'Europe/Warsaw', source: 'bench', workflowId: `lead-b${i}`, consentStatus: 'confirmed' })) });
  const mail = createEmailActivities({
    db,
    config: { smtp, from: 'Acme <a@x.test>', companyName: 'Acme', companyAddress: '1 Main St', publicBaseUrl: 'https://x', siteUrl: 'https://www.x', linkSecret: 'y'.repeat(40), quietHours: { start: '23:59', end: '00:00' }, cap: { max: 3, days: 7 } },
  });
  // Warm both paths (connections, JIT, prepared caches) before measuring.
  await runConcurrent(50, (i) => bare.sendMail({ from: 'a@x.test', to: `w${i}@x.test`, subject: pre.subject, html: pre.html, text: pre.text }));
  await db.lead.createMany({ data: Array.from({ length: 50 }, (_, i) => ({ id: `w${i}`, email: `w${i}@x.test`, locale: 'pl', timezone: 'Europe/Warsaw', source: 'bench', workflowId: `lead-w${i}`, consentStatus: 'confirmed' })) });
  await runConcurrent(50, (i) => mail.sendEmail({ idempotencyKey: `w${i}`, leadId: `w${i}`, template: 'cold-ebook', kind: 'marketing', variables: { firstName: 'Ola' }, now: '2027-03-10T11:00:00.000Z' }));
  const bareRates: number[] = [];
  const ledgerRates: number[] = [];
  const bareCpu: number[] = [];
  const ledgerCpu: number[] = [];
  const bareMain: number[] = [];
  const ledgerMain: number[] = [];
  // Sender CPU per mail (this process; the sink has its own): steadier than wall time when other
  // processes load the machine, so it is reported next to the rates.
  // The event loop's own share (Linux: the main thread's ticks).
  const mainThreadMs = (): number | null => {
    try {
      const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) * 10;
    } catch {
      return null;
    }
  };
  const measure = async (fn: () => Promise<number>): Promise<[number, number, number | null]> => {
    const cpu = process.cpuUsage();
    const main0 = mainThreadMs();
    const ms = await fn();
    const used = process.cpuUsage(cpu);
    const main1 = mainThreadMs();
    return [(MAILS / ms) * 1000, (used.user + used.system) / 1000 / MAILS, main0 === null || main1 === null ? null : (main1 - main0) / MAILS];
  };
  const bareRound = (): Promise<[number, number, number | null]> => measure(() => runConcurrent(MAILS, (i) => bare.sendMail({ from: 'a@x.test', to: `p${i}@x.test`, subject: pre.subject, html: pre.html, text: pre.text })));
  const ledgerRound = (r: number): Promise<[number, number, number | null]> => {
    const base = r * MAILS;
    return measure(() => runConcurrent(MAILS, (i) => {
      const id = `b${base + i}`;
      return mail.sendEmail({ idempotencyKey: `${id}:bench:v1:e1:0`, leadId: id, template: 'cold-ebook', kind: 'marketing', variables: { firstName: 'Ola', company: 'Acme' }, now: '2027-03-10T11:00:00.000Z' });
    }));
  };
  for (let r = 0; r < ROUNDS; r++) {
    // Which side goes first alternates, so a load trend on the machine favours neither.
    let b: [number, number, number | null];
    let l: [number, number, number | null];
    if (r % 2 === 0) {
      b = await bareRound();
      l = await ledgerRound(r);
    } else {
      l = await ledgerRound(r);
      b = await bareRound();
    }
    bareRates.push(b[0]);
    bareCpu.push(b[1]);
    ledgerRates.push(l[0]);
    ledgerCpu.push(l[1]);
    if (b[2] !== null && l[2] !== null) {
      bareMain.push(b[2]);
      ledgerMain.push(l[2]);
    }
    console.log(`  round ${r + 1}: bare ${b[0].toFixed(0)}/s (${b[1].toFixed(2)} ms CPU/mail), activity ${l[0].toFixed(0)}/s (${l[1].toFixed(2)} ms CPU/mail): ${((l[0] / b[0]) * 100).toFixed(1)}%`);
  }
  bare.close();
  mail.close();
  const sent = await db.emailLog.count({ where: { status: 'sent', leadId: { startsWith: 'b' } } });
  await cleanup();
  await stopOwnTestServer();
  sink.stop();
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const bareMedian = median(bareRates);
  const ledgerMedian = median(ledgerRates);

  const result = {
    // Load from other processes on this shared machine, for reading the figures.
    measuredAt: new Date().toISOString(),
    machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadAvg1m: { before: +loadBefore.toFixed(2), after: +loadavg()[0].toFixed(2) } },
    render: { cachedMsPerMail: +perCached.toFixed(4), mjmlMsPerMail: +perMjml.toFixed(3), speedup: +(perMjml / perCached).toFixed(1), target: 20 },
    send: {
      mailsPerRound: MAILS,
      rounds: ROUNDS,
      concurrency: CONC,
      bareNodemailerPerSec: bareRates.map((x) => +x.toFixed(1)),
      activityWithLedgerPerSec: ledgerRates.map((x) => +x.toFixed(1)),
      medianBarePerSec: +bareMedian.toFixed(1),
      medianActivityPerSec: +ledgerMedian.toFixed(1),
      ratio: +(ledgerMedian / bareMedian).toFixed(3),
      medianOfRoundRatios: +median(ledgerRates.map((x, i) => x / bareRates[i])).toFixed(3),
      bareCpuMsPerMail: bareCpu.map((x) => +x.toFixed(3)),
      activityCpuMsPerMail: ledgerCpu.map((x) => +x.toFixed(3)),
      medianBareCpuMsPerMail: +median(bareCpu).toFixed(3),
      medianActivityCpuMsPerMail: +median(ledgerCpu).toFixed(3),
      cpuRatio: +(median(bareCpu) / median(ledgerCpu)).toFixed(3),
      ...(bareMain.length ? { medianBareMainThreadCpuMsPerMail: +median(bareMain).toFixed(3), medianActivityMainThreadCpuMsPerMail: +median(ledgerMain).toFixed(3) } : {}),
      target: 0.7,
      ledgerRowsSent: sent,
    },
  };
  console.log(`render: cached ${perCached.toFixed(3)} ms/mail, mjml every time ${perMjml.toFixed(2)} ms/mail -> ${result.render.speedup}x (target >= 20x)`);
  console.log(`send:   median of ${ROUNDS} rounds: bare pooled nodemailer ${result.send.medianBarePerSec}/s, activity with ledger ${result.send.medianActivityPerSec}/s -> ${(result.send.ratio * 100).toFixed(1)}% (median of per-round ratios ${(result.send.medianOfRoundRatios * 100).toFixed(1)}%; target >= 70%), ${sent} ledger rows`);
  console.log(`        sender CPU per mail (medians): bare ${result.send.medianBareCpuMsPerMail} ms, activity ${result.send.medianActivityCpuMsPerMail} ms -> the activity's CPU-bound rate is ${(result.send.cpuRatio * 100).toFixed(1)}% of bare's`);
  if (bareMain.length) console.log(`        main thread (event loop) CPU per mail (medians): bare ${median(bareMain).toFixed(3)} ms, activity ${median(ledgerMain).toFixed(3)} ms`);
  console.log(`machine: ${result.machine.cores} cores, ${result.machine.cpu}, load average ${result.machine.loadAvg1m.before} -> ${result.machine.loadAvg1m.after}`);
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  writeFileSync(path.join(__dirname, 'results', 'email.json'), JSON.stringify(result, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
