// Which way the hot statements go (domain/sql.ts): the ledger's four statements per mail (send
// context, suppression, claim, `sent` mark) through pg on Prisma's pool vs the same SQL through
// Prisma's raw queries (the engine TypedSQL runs through too), alternating rounds, same database.
// Prints CPU of this process per mail (the event loop's cost) and mails/s; writes
// bench/results/sql-choice.json.
//   npx tsx bench/sql-choice.ts [--mails 1000] [--rounds 7]
import { randomUUID } from 'crypto';
import { mkdirSync, writeFileSync } from 'fs';
import { cpus, loadavg } from 'os';
import path from 'path';
import { sqlOf } from '../domain/sql';
import { createTestDb, stopOwnTestServer } from '../test/helpers/db';
import { numberArg } from './report';

const MAILS = numberArg('mails', 1000);
const ROUNDS = numberArg('rounds', 7);
const CONC = 5;

const CONTEXT = `SELECT l."id", l."email", e."status" AS "priorStatus", r."sentAt" AS "recentAt"
  FROM "Lead" l LEFT JOIN "EmailLog" e ON e."idempotencyKey" = $1
  LEFT JOIN "EmailLog" r ON r."leadId" = l."id" AND r."sentAt" > $2 AND r."kind" = 'marketing' AND r."status" = 'sent' AND r."idempotencyKey" <> $1
  WHERE l."id" = $3`;
const SUPPRESSION = `SELECT "reason" FROM "Suppression" WHERE "emailHash" = $1`;
const CLAIM = `INSERT INTO "EmailLog" ("id", "idempotencyKey", "leadId", "template", "locale", "kind", "toAddress", "subject", "status", "messageId", "attempts", "createdAt")
  VALUES ($1, $2, $3, 'cold-ebook', 'pl', 'marketing', $4, 'Hi', 'claimed', $5, 1, $6) ON CONFLICT ("idempotencyKey") DO NOTHING`;
const SENT = `UPDATE "EmailLog" SET "status" = 'sent', "sentAt" = $1, "error" = NULL WHERE "idempotencyKey" = $2`;

type Run = { rows(text: string, v: unknown[]): Promise<unknown[]>; count(text: string, v: unknown[]): Promise<number> };

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const t = await createTestDb();
  const total = MAILS * ROUNDS * 2 + 100;
  await t.db.lead.createMany({ data: Array.from({ length: total }, (_, i) => ({ id: `b${i}`, email: `p${i}@x.test`, locale: 'pl', timezone: 'Europe/Warsaw', source: 'bench', workflowId: `lead-b${i}`, consentStatus: 'confirmed' })) });
  const viaPg: Run = sqlOf(t.db);
  const viaPrisma: Run = {
    rows: (text, v) => t.db.$queryRawUnsafe(text, ...v.map((x) => (x instanceof Date ? x.toISOString() : x))),
    count: (text, v) => t.db.$executeRawUnsafe(text, ...v.map((x) => (x instanceof Date ? x.toISOString() : x))),
  };
  const at = new Date('2027-03-10T11:00:00Z');
  const since = new Date('2027-03-03T11:00:00Z');
  let next = 0;
  const mail = async (run: Run): Promise<void> => {
    const id = `b${next++}`;
    const key = `${id}:k`;
    await run.rows(CONTEXT, [key, since, id]);
    await run.rows(SUPPRESSION, [id]);
    await run.count(CLAIM, [randomUUID(), key, id, `${id}@x.test`, `<${key}>`, at]);
    await run.count(SENT, [at, key]);
  };
  const round = async (run: Run): Promise<{ perSec: number; cpuMs: number }> => {
    let left = MAILS;
    const cpu = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CONC }, async () => {
      while (left-- > 0) await mail(run);
    }));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const used = process.cpuUsage(cpu);
    return { perSec: (MAILS / ms) * 1000, cpuMs: (used.user + used.system) / 1000 / MAILS };
  };
  // Warm both (connections, JIT, Prisma's engine).
  for (let i = 0; i < 50; i++) await mail(viaPg);
  for (let i = 0; i < 50; i++) await mail(viaPrisma);
  const pg: { perSec: number; cpuMs: number }[] = [];
  const prisma: { perSec: number; cpuMs: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      pg.push(await round(viaPg));
      prisma.push(await round(viaPrisma));
    } else {
      prisma.push(await round(viaPrisma));
      pg.push(await round(viaPg));
    }
    console.log(`  round ${r + 1}: pg ${pg[r].perSec.toFixed(0)}/s ${pg[r].cpuMs.toFixed(3)} ms CPU/mail, Prisma raw ${prisma[r].perSec.toFixed(0)}/s ${prisma[r].cpuMs.toFixed(3)} ms CPU/mail`);
  }
  await t.cleanup();
  await stopOwnTestServer();
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const result = {
    machine: { cores: cpus().length, node: process.version, loadAvg: { before: loadBefore.map((x) => +x.toFixed(2)), after: loadavg().map((x) => +x.toFixed(2)) } },
    mailsPerRound: MAILS,
    rounds: ROUNDS,
    concurrency: CONC,
    statementsPerMail: 4,
    pg: { perSec: pg.map((x) => +x.perSec.toFixed(1)), cpuMsPerMail: pg.map((x) => +x.cpuMs.toFixed(3)), medianPerSec: +median(pg.map((x) => x.perSec)).toFixed(1), medianCpuMsPerMail: +median(pg.map((x) => x.cpuMs)).toFixed(3) },
    prismaRaw: { perSec: prisma.map((x) => +x.perSec.toFixed(1)), cpuMsPerMail: prisma.map((x) => +x.cpuMs.toFixed(3)), medianPerSec: +median(prisma.map((x) => x.perSec)).toFixed(1), medianCpuMsPerMail: +median(prisma.map((x) => x.cpuMs)).toFixed(3) },
  };
  console.log(`medians: pg ${result.pg.medianPerSec}/s, ${result.pg.medianCpuMsPerMail} ms CPU per mail; Prisma raw ${result.prismaRaw.medianPerSec}/s, ${result.prismaRaw.medianCpuMsPerMail} ms CPU per mail; load ${result.machine.loadAvg.before[0]} -> ${result.machine.loadAvg.after[0]}`);
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  writeFileSync(path.join(__dirname, 'results', 'sql-choice.json'), JSON.stringify(result, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
