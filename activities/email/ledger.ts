// The email ledger (EmailLog) on the send path. The four queries of every send are SQL through pg
// (../sql.ts), which is what lets a pooled sender keep up with bare nodemailer (bench/email.ts);
// each is one autocommitted statement, so a claim is durable before any SMTP traffic. Rare paths
// (failures, bounces, skips) use the ORM.
import { randomUUID } from 'crypto';
import type { Db } from '../../domain/db';
import { sqlOf } from '../../domain/sql';
import { suppressRow, type AddressHash } from '../../domain/mail/email-hash';

export interface SendContext {
  id: string;
  email: string;
  /** Who the lead is, for the mail's greeting and a manager's card (never carried by the workflow). */
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  phone: string | null;
  locale: string;
  timezone: string;
  consentStatus: string;
  unsubscribedAt: Date | null;
  erasedAt: Date | null;
  /** The ledger row of this idempotency key, when an earlier attempt left one. */
  prior: { status: string; messageId: string | null; error: string | null; attempts: number } | null;
  /** The lead's marketing sends under other keys since the `recentSince` asked for, any order. */
  recentMarketing: Date[];
}

interface ContextRow extends Omit<SendContext, 'prior' | 'recentMarketing'> {
  priorStatus: string | null;
  priorMessageId: string | null;
  priorError: string | null;
  priorAttempts: number | null;
  recentAt: Date | null;
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

/** Who holds a claim and until when (the worker's clock); renewed while its SMTP transaction runs. */
export interface Lease {
  attemptId: string;
  until: Date;
  now: Date;
}

export interface Ledger {
  /**
   * The lead, this key's ledger row and the lead's marketing sends after `recentSince` (the
   * frequency cap's window), in one query. Null when the lead is unknown.
   */
  readSendContext(leadId: string, key: string, recentSince: Date): Promise<SendContext | null>;
  /**
   * Claims the key before any SMTP traffic, under `lease`. `priorAttempts` null = no row yet
   * (insert); otherwise the row's attempt count, which fences concurrent retries: exactly one of
   * them moves it on, and only once the previous holder's lease has run out (or it let go). False
   * means another attempt holds the claim right now (it may still be sending after its timeout).
   */
  claim(row: ClaimRow, priorAttempts: number | null, lease: Lease): Promise<boolean>;
  /** Extends the lease while its holder is still in SMTP; false when it is no longer the holder. */
  renew(key: string, attemptId: string, until: Date): Promise<boolean>;
  markSent(key: string, at: Date): Promise<void>;
  /** A temporary failure: the row stays claimed for the retry, with the reason for operators, and the holder lets go of its lease. */
  markFailed(key: string, attemptId: string, error: string): Promise<void>;
  /** A permanent rejection: the row is bounced and the address suppressed, together. */
  markBounced(key: string, address: AddressHash, error: string): Promise<void>;
  /** Records that a key was not sent and why (suppressed, unsubscribed, erased, no address). */
  markSkipped(s: { key: string; leadId: string | null; template: string; locale: string; kind: string; to: string; reason: string }): Promise<void>;
}

// One row per marketing send of the lead inside the cap's window (the cap keeps that a handful),
// or one row with recentAt null. A plain range join on (leadId, sentAt): no sorted, materialized
// subquery per mail.
const CONTEXT_SQL = `
  SELECT l."id", l."email", l."firstName", l."lastName", l."company", l."phone", l."locale", l."timezone", l."consentStatus", l."unsubscribedAt", l."erasedAt",
         e."status" AS "priorStatus", e."messageId" AS "priorMessageId", e."error" AS "priorError", e."attempts" AS "priorAttempts",
         r."sentAt" AS "recentAt"
  FROM "Lead" l
  LEFT JOIN "EmailLog" e ON e."idempotencyKey" = $1
  LEFT JOIN "EmailLog" r ON r."leadId" = l."id" AND r."sentAt" > $2 AND r."kind" = 'marketing' AND r."status" = 'sent' AND r."idempotencyKey" <> $1
  WHERE l."id" = $3`;
const INSERT_CLAIM_SQL = `
  INSERT INTO "EmailLog" ("id", "idempotencyKey", "leadId", "sequenceId", "sequenceVersion", "step", "template", "locale", "kind", "toAddress", "subject", "status", "messageId", "attempts", "createdAt", "attemptId", "leaseUntil")
  SELECT $1::text, $2::text, $3::text, $4::text, $5::int, $6::text, $7::text, $8::text, $9::text, $10::text, $11::text, 'claimed', $12::text, 1, $13::timestamp(3), $14::text, $15::timestamp(3)
  WHERE EXISTS (SELECT 1 FROM "Lead" WHERE "id" = $3::text AND "erasedAt" IS NULL FOR SHARE)
  ON CONFLICT ("idempotencyKey") DO NOTHING`;
// Neither claim writes for a lead erased meanwhile (an attempt that read the lead before the erasure
// must not put the address back into the ledger): it fails, and its retry finds the lead erased.
// Both hold the lead's row (FOR SHARE) while they write: an erasure in progress is waited for and then
// seen, and an erasure that comes second waits for the claim and scrubs it (as the lead store does).
// A row whose holder still has a lease is not taken over: that attempt may be inside SMTP's DATA
// phase after Temporal timed it out, and a second sender would make a second mail.
const RECLAIM_SQL = `
  WITH alive AS (
    SELECT l."id" FROM "Lead" l JOIN "EmailLog" e ON e."leadId" = l."id" WHERE e."idempotencyKey" = $4 AND l."erasedAt" IS NULL FOR SHARE OF l
  )
  UPDATE "EmailLog" SET "status" = 'claimed', "attempts" = "attempts" + 1, "toAddress" = $1, "subject" = $2, "messageId" = $3, "attemptId" = $6, "leaseUntil" = $7
  WHERE "idempotencyKey" = $4 AND "attempts" = $5 AND "status" <> 'sent' AND ("leaseUntil" IS NULL OR "leaseUntil" <= $8)
    AND ("leadId" IS NULL OR "leadId" IN (SELECT "id" FROM alive))`;
const RENEW_SQL = `UPDATE "EmailLog" SET "leaseUntil" = $1 WHERE "idempotencyKey" = $2 AND "attemptId" = $3 AND "status" = 'claimed'`;
const SENT_SQL = `UPDATE "EmailLog" SET "status" = 'sent', "sentAt" = $1, "error" = NULL, "leaseUntil" = NULL WHERE "idempotencyKey" = $2`;
const FAILED_SQL = `UPDATE "EmailLog" SET "error" = $1, "leaseUntil" = NULL WHERE "idempotencyKey" = $2 AND "attemptId" = $3`;

/** The ledger on `db`: the hot queries as SQL, the rare ones through the ORM. */
export function createLedger(db: Db): Ledger {
  const sql = sqlOf(db);
  return {
    async readSendContext(leadId, key, recentSince) {
      const rows = await sql.rows<ContextRow>(CONTEXT_SQL, [key, recentSince, leadId]);
      const r = rows[0];
      if (!r) return null;
      const { priorStatus, priorMessageId, priorError, priorAttempts, recentAt: _recent, ...lead } = r;
      return {
        ...lead,
        prior: priorStatus === null ? null : { status: priorStatus, messageId: priorMessageId, error: priorError, attempts: priorAttempts ?? 0 },
        recentMarketing: rows.flatMap((x) => (x.recentAt === null ? [] : [x.recentAt])),
      };
    },
    async claim(row, priorAttempts, lease) {
      const n =
        priorAttempts === null
          ? await sql.count(INSERT_CLAIM_SQL, [randomUUID(), row.key, row.leadId, row.sequence?.id ?? null, row.sequence?.version ?? null, row.sequence?.step ?? null, row.template, row.locale, row.kind, row.to, row.subject, row.messageId, row.at, lease.attemptId, lease.until])
          : await sql.count(RECLAIM_SQL, [row.to, row.subject, row.messageId, row.key, priorAttempts, lease.attemptId, lease.until, lease.now]);
      return n === 1;
    },
    async renew(key, attemptId, until) {
      return (await sql.count(RENEW_SQL, [until, key, attemptId])) === 1;
    },
    async markSent(key, at) {
      await sql.count(SENT_SQL, [at, key]);
    },
    async markFailed(key, attemptId, error) {
      await sql.count(FAILED_SQL, [error, key, attemptId]);
    },
    async markBounced(key, address, error) {
      await db.$transaction([db.emailLog.update({ where: { idempotencyKey: key }, data: { status: 'bounced', error }, select: { id: true } }), suppressRow(db, address, 'bounced')]);
    },
    async markSkipped(s) {
      await db.emailLog.upsert({
        where: { idempotencyKey: s.key },
        create: { idempotencyKey: s.key, leadId: s.leadId, template: s.template, locale: s.locale, kind: s.kind, toAddress: s.to, status: 'suppressed', error: s.reason },
        update: { status: 'suppressed', error: s.reason },
        select: { id: true },
      });
    },
  };
}
