// The sendEmail activity: exactly once from the lead's point of view. The EmailLog row keyed by the
// idempotency key is claimed before any SMTP traffic; a retry that finds it `sent` returns the same
// Message-ID (derived from the key) without sending. Policy (suppression, unsubscribe, consent,
// quiet hours, frequency cap) is checked at send time, not when the step was planned.
// The claim carries a lease (attempt id, expiry, renewed while SMTP runs): an attempt that Temporal
// timed out but that is still inside SMTP keeps the row, so its retry waits instead of sending too.
// Once the SMTP server accepted the mail, the attempt succeeds even when the database cannot take
// the `sent` mark (it went away during SMTP): the activity's result in Temporal's history is the
// fact that the mail went, so no retry sends it again, and the mark is written as soon as the
// database is back (commitLater). What remains is SMTP's own window: a crash after the server
// accepted the mail but before either record resends it on retry, with the same Message-ID, which
// receivers use to drop duplicates.
import { ApplicationFailure } from '@temporalio/common';
import { createHash, randomUUID } from 'crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { z } from 'zod';
import type { SendEmailRequest, SendEmailResult } from '../../workflows/activity-contract';
import type { Client } from '@temporalio/client';
import type { Db } from '../../domain/db';
import { addressHash, suppressionOf } from '../../domain/mail/email-hash';
import { signalLead } from '../../domain/lead-signal';
import { handoffParts, HANDOFF_TEMPLATES } from '../../domain/mail/handoff';
import { RECONTACT_TEMPLATE, recontactParts } from '../../domain/mail/recontact';
import { contactVariables } from '../../workflows/handoff/card';
import { createLedger } from './ledger';
import { linkBuilder, trackClicks, type LinkKeys } from '../../domain/mail/links';
import { consentDecision, capUntil, quietUntil, type QuietHours } from '../../domain/mail/policy';
import { compile, render, TemplateError, type RenderedMail } from '../../domain/mail/render';
import { TEMPLATES, isTemplateId, type TemplateSpec } from '../../domain/mail/templates';

export interface SmtpConfig {
  host: string;
  port: number;
  /** Implicit TLS (port 465); otherwise STARTTLS when the server offers it (required when logging in). */
  secure: boolean;
  /** Accept a certificate that does not verify: a local development server only (refused in production). */
  tlsInsecure?: boolean;
  /** PEM CA(s) for a server whose certificate a private CA signed. */
  ca?: string;
  user?: string;
  pass?: string;
  pool?: boolean;
  maxConnections?: number;
  /** How long a silent SMTP server is waited for (default SMTP_SOCKET_TIMEOUT_MS). */
  socketTimeoutMs?: number;
}

export interface EmailConfig {
  smtp: SmtpConfig;
  from: string;
  companyName: string;
  companyAddress: string;
  publicBaseUrl: string;
  siteUrl: string;
  linkSecret: LinkKeys;
  quietHours: QuietHours;
  cap: { max: number; days: number };
  /** Footer link of internal mails (manager notifications); default: a mail to the sender. */
  internalUnsubscribeUrl?: string;
}

export interface EmailDeps {
  db: Db;
  config: EmailConfig;
  /** Temporal client: a bounce is signalled to the lead's workflow (domain/lead-signal.ts); optional in unit tests. */
  temporal?: Client;
  /** Resolves special recipients such as 'head-of-sales' to an address. */
  resolveRecipient?: (to: string) => Promise<string | null>;
  /** Time when the request carries no workflow time. */
  clock?: () => Date;
  /** The claim's lease: how long it holds without renewal, and how often it is renewed during SMTP. */
  lease?: { ms: number; renewEveryMs: number };
}

/**
 * A crashed worker's claim is free again after one lease; a live attempt renews it, and its SMTP
 * connection gives up after SMTP_SOCKET_TIMEOUT_MS of silence (then it lets go of the claim).
 */
export const DEFAULT_LEASE = { ms: 60_000, renewEveryMs: 15_000 } as const;
const SMTP_SOCKET_TIMEOUT_MS = 60_000;
/** How often a `sent` mark the database refused is tried again (commitLater). */
const COMMIT_RETRY_MS = { first: 1_000, max: 30_000 } as const;

export interface EmailActivities {
  sendEmail(req: SendEmailRequest): Promise<SendEmailResult>;
  /** Closes the SMTP connection pool. */
  close(): void;
}

const noLineBreak = (s: string): boolean => !/[\r\n]/.test(s);
const requestSchema = z.object({
  idempotencyKey: z.string().min(1).max(300),
  leadId: z.string().min(1).max(100),
  template: z.string().refine(isTemplateId, { message: 'unknown template' }),
  kind: z.enum(['marketing', 'transactional']),
  locale: z.string().max(20).optional(),
  subject: z.string().max(300).refine(noLineBreak, { message: 'must not contain line breaks (header injection)' }).optional(),
  variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  sequence: z.object({ id: z.string(), version: z.number().int(), step: z.string() }).optional(),
  to: z.string().max(320).refine(noLineBreak, { message: 'must not contain line breaks' }).optional(),
  now: z.iso.datetime({ offset: true }).optional(),
});

/**
 * nodemailer's options for our SMTP server. Certificates are verified for implicit TLS and for
 * STARTTLS alike (an unverified STARTTLS lets anyone on the path read the password and the mail);
 * with a login, STARTTLS is required, so a server (or a man in the middle) that hides it gets no
 * password in clear text. `tlsInsecure` is the explicit escape for a local development server.
 */
export function smtpTransportOptions(smtp: SmtpConfig): SMTPPool.Options {
  return {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    pool: smtp.pool ?? true,
    maxConnections: smtp.maxConnections ?? 5,
    // nodemailer waits 10 minutes for a silent server by default: a held DATA phase would keep the
    // claim that long. Bounded, the attempt fails, lets go of its lease, and Temporal retries.
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: smtp.socketTimeoutMs ?? SMTP_SOCKET_TIMEOUT_MS,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass ?? '' }, requireTLS: !smtp.secure && !smtp.tlsInsecure } : {}),
    tls: { rejectUnauthorized: !smtp.tlsInsecure, ...(smtp.ca ? { ca: smtp.ca } : {}) },
  };
}

/** Stable per key, so every attempt of one mail carries the same Message-ID. */
export function messageIdFor(key: string, from: string): string {
  const domain = /@([^>\s]+)/.exec(from)?.[1] ?? 'leadflow.local';
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${domain}>`;
}

/** A 1x1 transparent GIF inline: internal mails keep the layout's pixel without tracking anyone. */
export const BLANK_PIXEL = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';
const DAY_MS = 86_400_000;

function invalid(what: string, issues: z.core.$ZodIssue[], type: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${what}: ${issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; ')}`, type);
}

export function createEmailActivities(deps: EmailDeps): EmailActivities {
  const { db, config } = deps;
  const clock = deps.clock ?? (() => new Date());
  const leaseCfg = deps.lease ?? DEFAULT_LEASE;
  // Leases run on this process's real clock (the request's `now` is workflow time, which can jump).
  const leaseUntil = (): Date => new Date(Date.now() + leaseCfg.ms);
  const ledger = createLedger(db);
  const transport: Transporter = nodemailer.createTransport(smtpTransportOptions(config.smtp));
  const links = linkBuilder(config.publicBaseUrl, config.linkSecret, () => clock().getTime());
  const fromAddress = /<([^>]+)>/.exec(config.from)?.[1] ?? config.from;
  const internalUnsubscribe = config.internalUnsubscribeUrl ?? `mailto:${fromAddress}?subject=unsubscribe`;

  /**
   * Tells the lead's workflow about a bounce through the one signal client: an ended workflow is an
   * answer (the ledger and the suppression keep the fact); Temporal unreachable throws, so the activity
   * retries. The retry never resends: the ledger row says bounced, and that path signals again (the
   * event id makes a second delivery count once).
   */
  async function signalBounce(leadId: string, key: string, error: string): Promise<void> {
    if (deps.temporal) await signalLead({ temporal: deps.temporal }, leadId, { id: `bounce:${key}`, type: 'bounced', data: { error } });
  }

  async function sendEmail(input: SendEmailRequest): Promise<SendEmailResult> {
    const parsed = requestSchema.safeParse(input);
    if (!parsed.success) throw invalid('sendEmail', parsed.error.issues, 'InvalidEmailRequest');
    const req = parsed.data;
    const spec: TemplateSpec = TEMPLATES[req.template as keyof typeof TEMPLATES];
    // A mail is marketing if either the caller or the template says so: no way to bypass consent.
    const kind = req.kind === 'marketing' || spec.kind === 'marketing' ? 'marketing' : 'transactional';
    const at = req.now ? new Date(req.now) : clock();
    const key = req.idempotencyKey;

    const ctx = await ledger.readSendContext(req.leadId, key, new Date(at.getTime() - config.cap.days * DAY_MS));
    // Who the lead is comes from its row (the workflow holds no contact data); a lead erased or
    // unknown is skipped below, so a stand-in keeps the variables checkable.
    // A re-contact task's lines (the refusal note, the survey comment) come from its Task row, not the
    // workflow; requests recorded before carry them, and the row's are the same. Without its task (an
    // erased lead) the stand-ins keep the variables checkable; such a mail is skipped below.
    const recontact = req.template === RECONTACT_TEMPLATE;
    const task = recontact && ctx && !ctx.erasedAt ? await recontactParts(db, ctx.id, req.variables.taskId) : null;
    const vars = spec.variables.safeParse({ ...(recontact ? (task ?? { refusal: '-', behaviourSince: '-' }) : {}), ...req.variables, ...contactVariables(ctx && !ctx.erasedAt ? ctx : { email: 'erased' }) });
    if (!vars.success) throw invalid(`sendEmail ${req.template}`, vars.error.issues, 'InvalidTemplateVariables');
    if (ctx?.prior?.status === 'sent') return { status: 'already_sent', messageId: ctx.prior.messageId ?? messageIdFor(key, config.from) };
    if (ctx?.prior?.status === 'bounced') {
      // A retry after the bounce signal failed (or a second request): deliver it, never resend.
      if (req.to === undefined) await signalBounce(ctx.id, key, ctx.prior.error ?? 'bounced');
      return { status: 'bounced', error: ctx.prior.error ?? 'bounced' };
    }
    const skip = async (reason: string, to: string): Promise<SendEmailResult> => {
      await ledger.markSkipped({ key, leadId: ctx?.id ?? null, template: req.template, locale: req.locale ?? ctx?.locale ?? 'en', kind, to, reason });
      return { status: 'suppressed', reason };
    };
    if (!ctx) {
      // The lead row is gone; the ledger may still know this key was delivered.
      const row = await db.emailLog.findUnique({ where: { idempotencyKey: key }, select: { status: true, messageId: true } });
      if (row?.status === 'sent') return { status: 'already_sent', messageId: row.messageId ?? messageIdFor(key, config.from) };
    }
    if (!ctx || ctx.erasedAt) return skip('lead erased or unknown', '');
    if (recontact && !task) return skip(`no re-contact task ${String(req.variables.taskId)} of this lead`, '');
    const toLead = req.to === undefined;
    const to = toLead ? ctx.email : await recipient(req.to!);
    if (!to) return skip(`no address for ${req.to}`, '');

    if (toLead) {
      const suppressed = await suppressionOf(db, to);
      if (suppressed) return skip(`suppressed (${suppressed.reason})`, to);
      if (kind === 'marketing') {
        if (ctx.unsubscribedAt) return skip('unsubscribed', to);
        const consent = consentDecision(ctx.consentStatus);
        if (consent === 'refused') return skip('consent withdrawn', to);
        // Awaiting double opt-in: not yet, maybe later (the confirmation signals the workflow).
        if (consent === 'pending') return { status: 'deferred', until: new Date(at.getTime() + DAY_MS).toISOString(), reason: 'consent_pending' };
        const quiet = quietUntil(at, ctx.timezone, config.quietHours);
        if (quiet) return { status: 'deferred', until: quiet.toISOString(), reason: 'quiet_hours' };
        const capped = capUntil(at, ctx.recentMarketing, config.cap);
        if (capped) return { status: 'deferred', until: capped.toISOString(), reason: 'frequency_cap' };
      }
    }

    // A lead offered to a manager: their language, the deadline in their zone, the offer's own links.
    const handoff = !toLead && HANDOFF_TEMPLATES.has(req.template) ? await handoffParts(db, links, ctx.id, to) : undefined;
    if (handoff === null) return skip(`no offer of this lead to ${to}`, to);
    const locale = handoff?.locale ?? req.locale ?? ctx.locale;
    // Internal mails (to a manager) must not act on the lead: no lead unsubscribe, no lead tracking.
    const unsubscribeUrl = toLead ? links.unsubscribe(ctx.id) : internalUnsubscribe;
    const offerPath = (vars.data as { offerPath?: string }).offerPath;
    const ctaUrl = req.template === 'double-opt-in' ? links.confirm(ctx.id) : `${config.siteUrl.replace(/\/$/, '')}${offerPath ?? spec.ctaPath ?? '/'}`;
    let mail: RenderedMail;
    try {
      // Signing a link costs an HMAC: only the links this template shows are made.
      const uses = (await compile(req.template, locale)).placeholders;
      mail = await render(req.template, locale, {
        ...vars.data,
        ...handoff?.variables,
        leadId: ctx.id,
        companyName: config.companyName,
        companyAddress: config.companyAddress,
        unsubscribeUrl,
        openUrl: toLead ? links.open(key, ctx.id) : BLANK_PIXEL,
        ctaUrl,
        ...(uses.has('surveyUrl') ? { surveyUrl: links.survey(ctx.id) } : {}),
        locale,
      }, req.subject);
    } catch (e) {
      // The same request would fail the same way on every retry: no retry storm, nothing claimed.
      if (e instanceof TemplateError) throw ApplicationFailure.nonRetryable(`sendEmail ${req.template}: ${e.message}`, 'InvalidTemplateVariables');
      throw e;
    }
    const subject = mail.subject;
    const tracked = kind === 'marketing' && toLead ? trackClicks(mail, (url) => links.click(key, ctx.id, url), [unsubscribeUrl]) : mail;
    const messageId = messageIdFor(key, config.from);

    // Claim before SMTP; a concurrent attempt that lost the claim lets Temporal retry it later, when
    // it will find the row sent (or take over a row whose attempt died).
    const attemptId = randomUUID();
    const claimed = await ledger.claim({ key, leadId: ctx.id, sequence: req.sequence, template: req.template, locale: mail.locale, kind, to, subject, messageId, at }, ctx.prior?.attempts ?? null, { attemptId, until: leaseUntil(), now: new Date() });
    if (!claimed) throw ApplicationFailure.retryable(`sendEmail ${key}: another attempt holds the claim`, 'EmailClaimBusy');

    const renewal = setInterval(() => void ledger.renew(key, attemptId, leaseUntil()).catch(() => undefined), leaseCfg.renewEveryMs);
    try {
      await transport.sendMail({
        from: config.from,
        to,
        subject,
        html: tracked.html,
        text: tracked.text,
        messageId,
        headers: {
          'Content-Language': mail.locale,
          ...(kind === 'marketing' && toLead ? { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
          'X-Leadflow-Key': key,
        },
      });
    } catch (e) {
      const err = e as { responseCode?: number; message?: string };
      const message = (err.message ?? String(e)).slice(0, 500);
      if (err.responseCode && err.responseCode >= 500) {
        // Permanent: record, suppress, tell the lead's workflow; no retry storm.
        await ledger.markBounced(key, await addressHash(db, to), message);
        if (toLead) await signalBounce(ctx.id, key, message);
        return { status: 'bounced', error: message };
      }
      await ledger.markFailed(key, attemptId, message);
      // 4xx or connection trouble: Temporal retries with backoff; the claim stays for that retry.
      throw ApplicationFailure.retryable(message, 'SmtpTransient', { responseCode: err.responseCode ?? null });
    } finally {
      clearInterval(renewal);
    }
    try {
      await ledger.markSent(key, at);
    } catch (e) {
      // The mail is out: a throw here would have Temporal retry, and the retry (once the lease ran
      // out) send it again. The row stays claimed under this attempt's lease meanwhile.
      commitLater(key, at, e);
    }
    return { status: 'sent', messageId };
  }

  /** `sent` marks the database refused, retried in the background (1 s, doubling to 30 s) until each is written. */
  const uncommitted = new Map<string, Date>();
  let commitTimer: NodeJS.Timeout | undefined;
  let commitDelayMs: number = COMMIT_RETRY_MS.first;
  let closed = false;
  function commitLater(key: string, at: Date, e: unknown): void {
    console.warn(`sendEmail ${key}: sent, but the ledger could not record it (${(e as Error).message}); retrying in the background`);
    uncommitted.set(key, at);
    commitDelayMs = COMMIT_RETRY_MS.first;
    if (!commitTimer) commitTimer = setTimeout(() => void commitPending(), commitDelayMs);
  }
  async function commitPending(): Promise<void> {
    commitTimer = undefined;
    for (const [key, at] of uncommitted) {
      try {
        await ledger.markSent(key, at);
        uncommitted.delete(key);
      } catch {
        break;
      }
    }
    if (!uncommitted.size || closed) return;
    commitDelayMs = Math.min(commitDelayMs * 2, COMMIT_RETRY_MS.max);
    commitTimer = setTimeout(() => void commitPending(), commitDelayMs);
  }

  async function recipient(to: string): Promise<string | null> {
    if (to.includes('@')) return to;
    return deps.resolveRecipient ? deps.resolveRecipient(to) : null;
  }

  return {
    sendEmail,
    close: () => {
      closed = true;
      clearTimeout(commitTimer);
      // A last try for marks still owed (the database may be back by now); the process is ending.
      if (uncommitted.size) void commitPending();
      transport.close();
    },
  };
}
