// Email benchmark (issue 5): prints its figures and writes bench/results/email.json.
//  1. per-mail render from the compiled cache vs calling mjml for every mail (target >= 20x)
//  2. pooled sends/s to a local SMTP sink including the ledger (SQLite) vs a bare nodemailer loop
//     (target >= 70%)
//   npx tsx bench/email.ts [--mails 2000]
import { writeFileSync, mkdirSync } from 'fs';
import { cpus } from 'os';
import path from 'path';
import nodemailer from 'nodemailer';
import { compileUncached, render } from '../activities/email/render';
import { createEmailActivities } from '../activities/email/send';
import { startSinkProcess } from './email-sink';
import { createTestDb } from '../test/helpers/db';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const MAILS = arg('mails', 2000);
const vars = { firstName: 'Ola', company: 'Acme', companyName: 'Acme', companyAddress: '1 Main St', unsubscribeUrl: 'https://x/u/1', openUrl: 'https://x/o/1', ctaUrl: 'https://x/c', surveyUrl: 'https://x/s', locale: 'pl' };

async function timeIt(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn(i);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function main(): Promise<void> {
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

  // 2. Sending: bare pooled nodemailer vs the activity (render + policy + ledger + SMTP).
  const sink = await startSinkProcess();
  const bare = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, pool: true, maxConnections: 5, tls: { rejectUnauthorized: false } });
  const pre = await render('cold-ebook', 'pl', vars);
  const CONC = 5;
  const runConcurrent = async (n: number, fn: (i: number) => Promise<unknown>): Promise<number> => {
    let next = 0;
    const t = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CONC }, async () => {
      while (next < n) await fn(next++);
    }));
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const bareMs = await runConcurrent(MAILS, (i) => bare.sendMail({ from: 'a@x.test', to: `p${i}@x.test`, subject: pre.subject, html: pre.html, text: pre.text }));
  bare.close();

  const { db, cleanup } = await createTestDb();
  await db.lead.createMany({ data: Array.from({ length: MAILS }, (_, i) => ({ id: `b${i}`, email: `p${i}@x.test`, firstName: 'Ola', locale: 'pl', timezone: 'Europe/Warsaw', source: 'bench', workflowId: `lead-b${i}`, consentStatus: 'confirmed' })) });
  const mail = createEmailActivities({
    db,
    config: { smtp: { host: '127.0.0.1', port: sink.port, secure: false, pool: true, maxConnections: 5 }, from: 'Acme <a@x.test>', companyName: 'Acme', companyAddress: '1 Main St', publicBaseUrl: 'https://x', siteUrl: 'https://www.x', linkSecret: 'y'.repeat(40), quietHours: { start: '23:59', end: '00:00' }, cap: { max: 1000, days: 7 } },
  });
  const ledgerMs = await runConcurrent(MAILS, (i) => mail.sendEmail({ idempotencyKey: `b${i}:bench:v1:e1:0`, leadId: `b${i}`, template: 'cold-ebook', kind: 'marketing', variables: { firstName: 'Ola', company: 'Acme' }, now: '2027-03-10T11:00:00.000Z' }));
  mail.close();
  const sent = await db.emailLog.count({ where: { status: 'sent' } });
  await cleanup();
  sink.stop();

  const result = {
    machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    render: { cachedMsPerMail: +perCached.toFixed(4), mjmlMsPerMail: +perMjml.toFixed(3), speedup: +(perMjml / perCached).toFixed(1), target: 20 },
    send: {
      mails: MAILS,
      concurrency: CONC,
      bareNodemailerPerSec: +((MAILS / bareMs) * 1000).toFixed(1),
      activityWithLedgerPerSec: +((MAILS / ledgerMs) * 1000).toFixed(1),
      ratio: +(bareMs / ledgerMs).toFixed(3),
      target: 0.7,
      ledgerRowsSent: sent,
    },
  };
  console.log(`render: cached ${perCached.toFixed(3)} ms/mail, mjml every time ${perMjml.toFixed(2)} ms/mail -> ${result.render.speedup}x (target >= 20x)`);
  console.log(`send:   bare pooled nodemailer ${result.send.bareNodemailerPerSec}/s, activity with ledger ${result.send.activityWithLedgerPerSec}/s -> ${(result.send.ratio * 100).toFixed(1)}% (target >= 70%), ${sent} ledger rows`);
  console.log(`machine: ${result.machine.cores} cores, ${result.machine.cpu}`);
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  writeFileSync(path.join(__dirname, 'results', 'email.json'), JSON.stringify(result, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
