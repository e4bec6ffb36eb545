// The email ledger (EmailLog) on the send path. The hot queries are plain SQL that runs unchanged on
// SQLite and PostgreSQL: with Prisma's JS engine an ORM call costs ~0.5-1 ms of CPU against ~0.2 ms
// for a raw one (bench/email.ts), and a send makes five of them. Rare paths use the ORM.
import { randomUUID } from 'crypto';
import type { Db } from '../db';

export interface SendContext {
  id: string;
  email: string;
  locale: string;
  timezone: string;
  consentStatus: string;
  unsubscribedAt: Date | null;
  erasedAt: Date | null;
  /** The ledger row of this idempotency key, when an earlier attempt left one. */
  prior: { status: string; messageId: string | null; error: string | null; attempts: number } | null;
}

interface ContextRow extends Omit<SendContext, 'prior'> {
  priorStatus: string | null;
  priorMessageId: string | null;
  priorError: string | null;
  priorAttempts: number | bigint | null;
}

/** The lead and this key's ledger row, in one query; null when the lead does not exist. */
export async function readSendContext(db: Db, leadId: string, key: string): Promise<SendContext | null> {
  const rows = await db.$queryRaw<ContextRow[]>`
    SELECT l."id", l."email", l."locale", l."timezone", l."consentStatus", l."unsubscribedAt", l."erasedAt",
           e."status" AS "priorStatus", e."messageId" AS "priorMessageId", e."error" AS "priorError", e."attempts" AS "priorAttempts"
    FROM "Lead" l LEFT JOIN "EmailLog" e ON e."idempotencyKey" = ${key}
    WHERE l."id" = ${leadId}`;
  const r = rows[0];
  if (!r) return null;
  const { priorStatus, priorMessageId, priorError, priorAttempts, ...lead } = r;
  return {
    ...lead,
    prior: priorStatus === null ? null : { status: priorStatus, messageId: priorMessageId, error: priorError, attempts: Number(priorAttempts ?? 0) },
  };
}

export async function suppressionReason(db: Db, emailHash: string): Promise<string | null> {
  const rows = await db.$queryRaw<{ reason: string }[]>`SELECT "reason" FROM "Suppression" WHERE "emailHash" = ${emailHash}`;
  return rows[0]?.reason ?? null;
}

/** The lead's latest `limit` marketing sends (other keys than this one), newest first. */
export async function recentMarketingSends(db: Db, leadId: string, exceptKey: string, limit: number): Promise<Date[]> {
  const rows = await db.$queryRaw<{ sentAt: Date }[]>`
    SELECT "sentAt" FROM "EmailLog"
    WHERE "leadId" = ${leadId} AND "kind" = 'marketing' AND "status" = 'sent' AND "idempotencyKey" <> ${exceptKey}
    ORDER BY "sentAt" DESC LIMIT ${limit}`;
  return rows.map((r) => new Date(r.sentAt));
}

export interface ClaimRow {
  key: string;
  leadId: string;
  sequence?: { id: string; version: number; step: string } | undefined;
  template: string;
  locale: string;
  kind: 'marketing' | 'transactional';
  to: string;
  subject: string;
  messageId: string;
  at: Date;
}

/**
 * Claims the key before any SMTP traffic. `priorAttempts` null = no row yet (insert); otherwise the
 * row's attempt count, which fences concurrent retries: exactly one of them moves it on. False means
 * another attempt holds the claim right now.
 */
export async function claim(db: Db, row: ClaimRow, priorAttempts: number | null): Promise<boolean> {
  if (priorAttempts === null) {
    const n = await db.$executeRaw`
      INSERT INTO "EmailLog" ("id", "idempotencyKey", "leadId", "sequenceId", "sequenceVersion", "step", "template", "locale", "kind", "toAddress", "subject", "status", "messageId", "attempts", "createdAt")
      VALUES (${randomUUID()}, ${row.key}, ${row.leadId}, ${row.sequence?.id ?? null}, ${row.sequence?.version ?? null}, ${row.sequence?.step ?? null}, ${row.template}, ${row.locale}, ${row.kind}, ${row.to}, ${row.subject}, 'claimed', ${row.messageId}, 1, ${row.at})
      ON CONFLICT ("idempotencyKey") DO NOTHING`;
    return n === 1;
  }
  const n = await db.$executeRaw`
    UPDATE "EmailLog" SET "status" = 'claimed', "attempts" = "attempts" + 1, "toAddress" = ${row.to}, "subject" = ${row.subject}, "messageId" = ${row.messageId}
    WHERE "idempotencyKey" = ${row.key} AND "attempts" = ${priorAttempts} AND "status" <> 'sent'`;
  return n === 1;
}

export async function markSent(db: Db, key: string, at: Date): Promise<void> {
  await db.$executeRaw`UPDATE "EmailLog" SET "status" = 'sent', "sentAt" = ${at}, "error" = NULL WHERE "idempotencyKey" = ${key}`;
}

/** A temporary failure: the row stays claimed for the retry, with the reason for operators. */
export async function markFailed(db: Db, key: string, error: string): Promise<void> {
  await db.emailLog.update({ where: { idempotencyKey: key }, data: { error }, select: { id: true } });
}

/** A permanent rejection: the row is bounced and the address suppressed, together. */
export async function markBounced(db: Db, key: string, emailHash: string, error: string): Promise<void> {
  await db.$transaction([
    db.emailLog.update({ where: { idempotencyKey: key }, data: { status: 'bounced', error }, select: { id: true } }),
    db.suppression.upsert({ where: { emailHash }, create: { emailHash, reason: 'bounced' }, update: {}, select: { id: true } }),
  ]);
}

/** Records that a key was not sent and why (suppressed, unsubscribed, erased, no address). */
export async function markSkipped(db: Db, s: { key: string; leadId: string | null; template: string; locale: string; kind: string; to: string; reason: string }): Promise<void> {
  await db.emailLog.upsert({
    where: { idempotencyKey: s.key },
    create: { idempotencyKey: s.key, leadId: s.leadId, template: s.template, locale: s.locale, kind: s.kind, toAddress: s.to, status: 'suppressed', error: s.reason },
    update: { status: 'suppressed', error: s.reason },
    select: { id: true },
  });
}
