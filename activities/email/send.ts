// The sendEmail activity: exactly once from the lead's point of view. The EmailLog row keyed by the
// idempotency key is claimed before any SMTP traffic; a retry that finds it `sent` returns the same
// Message-ID without sending. Policy (suppression, unsubscribe, consent, quiet hours, frequency cap)
// is checked at send time, not when the step was planned.
import { ApplicationFailure } from '@temporalio/common';
import { createHash } from 'crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import { z } from 'zod';
import type { SendEmailRequest, SendEmailResult } from '../../workflows/activity-contract';
import { isUniqueViolation, type Db } from '../db';
import { linkBuilder, trackClicks } from './links';
import { capUntil, quietUntil, type QuietHours } from './policy';
import { render } from './render';
import { TEMPLATES, isTemplateId, type TemplateSpec } from './templates';

export interface EmailConfig {
  smtp: { host: string; port: number; secure: boolean; user?: string; pass?: string; pool?: boolean; maxConnections?: number };
  from: string;
  companyName: string;
  companyAddress: string;
  publicBaseUrl: string;
  siteUrl: string;
  linkSecret: string;
  quietHours: QuietHours;
  cap: { max: number; days: number };
}

export interface EmailDeps {
  db: Db;
  config: EmailConfig;
  /** Tells a lead workflow about a bounce (the API's Temporal client); optional in unit tests. */
  signalBounce?: (leadId: string, key: string, error: string) => Promise<void>;
  /** Resolves special recipients such as 'head-of-sales' to an address. */
  resolveRecipient?: (to: string) => Promise<string | null>;
}

const requestSchema = z.object({
  idempotencyKey: z.string().min(1).max(300),
  leadId: z.string().min(1).max(100),
  template: z.string().refine(isTemplateId, { message: 'unknown template' }),
  kind: z.enum(['marketing', 'transactional']),
  locale: z.string().max(20).optional(),
  subject: z.string().max(300).optional(),
  variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  sequence: z.object({ id: z.string(), version: z.number().int(), step: z.string() }).optional(),
  to: z.string().max(320).optional(),
  now: z.string().datetime().optional(),
});

export const emailHash = (email: string): string => createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
const messageIdFor = (key: string, from: string): string => {
  const domain = /@([^>\s]+)/.exec(from)?.[1] ?? 'leadflow.local';
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${domain}>`;
};

export function createEmailActivities(deps: EmailDeps): { sendEmail(req: SendEmailRequest): Promise<SendEmailResult>; close(): void } {
  const { db, config } = deps;
  const transport: Transporter = nodemailer.createTransport({
    host: config.smtp.host,
    port: config.smtp.port,
    secure: config.smtp.secure,
    pool: config.smtp.pool ?? true,
    maxConnections: config.smtp.maxConnections ?? 5,
    ...(config.smtp.user ? { auth: { user: config.smtp.user, pass: config.smtp.pass ?? '' } } : {}),
    // The local sink and dev servers have no certificate; production sets SMTP_SECURE.
    tls: { rejectUnauthorized: config.smtp.secure },
  });
  const links = linkBuilder(config.publicBaseUrl, config.linkSecret);

  async function sendEmail(input: SendEmailRequest): Promise<SendEmailResult> {
    const parsed = requestSchema.safeParse(input);
    if (!parsed.success) {
      throw ApplicationFailure.nonRetryable(`sendEmail: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'InvalidEmailRequest');
    }
    const req = parsed.data;
    const spec: TemplateSpec = TEMPLATES[req.template as keyof typeof TEMPLATES];
    const vars = spec.variables.safeParse(req.variables);
    if (!vars.success) {
      throw ApplicationFailure.nonRetryable(`sendEmail ${req.template}: ${vars.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'InvalidTemplateVariables');
    }
    const at = req.now ? new Date(req.now) : new Date();

    const prior = await db.emailLog.findUnique({ where: { idempotencyKey: req.idempotencyKey }, select: { status: true, messageId: true, error: true } });
    if (prior?.status === 'sent') return { status: 'already_sent', messageId: prior.messageId ?? '' };
    if (prior?.status === 'bounced') return { status: 'bounced', error: prior.error ?? 'bounced' };

    // Narrow selects: with Prisma's JS engine, mapping unused columns costs more than the query.
    const lead = await db.lead.findUnique({ where: { id: req.leadId }, select: { id: true, email: true, locale: true, timezone: true, consentStatus: true, unsubscribedAt: true, erasedAt: true } });
    if (!lead || lead.erasedAt) return skip(req, 'lead erased or unknown', lead?.email ?? '');
    const to = req.to ? await recipient(req.to) : lead.email;
    if (!to) return skip(req, `no address for ${req.to}`, '');

    if (!req.to) {
      const suppressed = await db.suppression.findUnique({ where: { emailHash: emailHash(to) }, select: { reason: true } });
      if (suppressed) return skip(req, `suppressed (${suppressed.reason})`, to);
      if (req.kind === 'marketing') {
        if (lead.unsubscribedAt) return skip(req, 'unsubscribed', to);
        if (lead.consentStatus === 'withdrawn') return skip(req, 'consent withdrawn', to);
        // Awaiting double opt-in: not yet, maybe later.
        if (lead.consentStatus === 'pending' || lead.consentStatus === 'unknown') {
          return { status: 'deferred', until: new Date(at.getTime() + 86_400_000).toISOString(), reason: 'consent_pending' };
        }
        const quiet = quietUntil(at, lead.timezone, config.quietHours);
        if (quiet) return { status: 'deferred', until: quiet.toISOString(), reason: 'quiet_hours' };
        const since = new Date(at.getTime() - config.cap.days * 86_400_000);
        const recent = await db.emailLog.findMany({
          where: { leadId: lead.id, kind: 'marketing', status: 'sent', sentAt: { gte: since }, NOT: { idempotencyKey: req.idempotencyKey } },
          select: { sentAt: true },
        });
        const capped = capUntil(at, recent.map((r) => r.sentAt!), config.cap);
        if (capped) return { status: 'deferred', until: capped.toISOString(), reason: 'frequency_cap' };
      }
    }

    const locale = req.locale ?? lead.locale;
    const unsubscribeUrl = links.unsubscribe(lead.id);
    const ctaUrl = req.template === 'double-opt-in' ? links.confirm(lead.id) : `${config.siteUrl.replace(/\/$/, '')}${(vars.data as { offerPath?: string }).offerPath ?? spec.ctaPath ?? '/'}`;
    const surveyUrl = links.survey(lead.id);
    const mail = await render(req.template, locale, {
      ...vars.data,
      companyName: config.companyName,
      companyAddress: config.companyAddress,
      unsubscribeUrl,
      openUrl: links.open(req.idempotencyKey, lead.id),
      ctaUrl,
      surveyUrl,
      locale,
    });
    const subject = req.subject ?? mail.subject;
    if (/[\r\n]/.test(subject)) throw ApplicationFailure.nonRetryable('subject must not contain line breaks', 'HeaderInjection');
    const html = spec.kind === 'marketing' ? trackClicks(mail.html, (url) => links.click(req.idempotencyKey, lead.id, url), [unsubscribeUrl]) : mail.html;
    const messageId = messageIdFor(req.idempotencyKey, config.from);

    // Claim before SMTP: the unique key makes a concurrent or repeated attempt find this row.
    if (!prior) {
      try {
        await db.emailLog.create({
          select: { id: true },
          data: {
            idempotencyKey: req.idempotencyKey,
            leadId: lead.id,
            sequenceId: req.sequence?.id ?? null,
            sequenceVersion: req.sequence?.version ?? null,
            step: req.sequence?.step ?? null,
            template: req.template,
            locale: mail.locale,
            kind: spec.kind,
            toAddress: to,
            subject,
            status: 'claimed',
            messageId,
            attempts: 1,
          },
        });
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        const row = await db.emailLog.findUnique({ where: { idempotencyKey: req.idempotencyKey }, select: { status: true, messageId: true } });
        if (row?.status === 'sent') return { status: 'already_sent', messageId: row.messageId ?? messageId };
        await db.emailLog.update({ where: { idempotencyKey: req.idempotencyKey }, data: { attempts: { increment: 1 } } });
      }
    } else {
      await db.emailLog.update({ where: { idempotencyKey: req.idempotencyKey }, data: { attempts: { increment: 1 } } });
    }

    try {
      await transport.sendMail({
        from: config.from,
        to,
        subject,
        html,
        text: mail.text,
        messageId,
        headers: {
          'Content-Language': mail.locale,
          ...(spec.kind === 'marketing'
            ? { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
            : {}),
          'X-Leadflow-Key': req.idempotencyKey,
        },
      });
    } catch (e) {
      const err = e as { responseCode?: number; message?: string };
      const message = (err.message ?? String(e)).slice(0, 500);
      if (err.responseCode && err.responseCode >= 500) {
        // Permanent: record, suppress, tell the lead's workflow; no retry storm.
        await db.$transaction([
          db.emailLog.update({ where: { idempotencyKey: req.idempotencyKey }, data: { status: 'bounced', error: message } }),
          db.suppression.upsert({ where: { emailHash: emailHash(to) }, create: { emailHash: emailHash(to), reason: 'bounced' }, update: {} }),
        ]);
        if (!req.to) await deps.signalBounce?.(lead.id, req.idempotencyKey, message).catch(() => undefined);
        return { status: 'bounced', error: message };
      }
      await db.emailLog.update({ where: { idempotencyKey: req.idempotencyKey }, data: { error: message } });
      throw e; // 4xx or connection: Temporal retries with backoff
    }
    await db.emailLog.update({ where: { idempotencyKey: req.idempotencyKey }, data: { status: 'sent', sentAt: at, error: null }, select: { id: true } });
    return { status: 'sent', messageId };
  }

  async function recipient(to: string): Promise<string | null> {
    if (to.includes('@')) return to;
    return deps.resolveRecipient ? deps.resolveRecipient(to) : null;
  }

  async function skip(req: z.infer<typeof requestSchema>, reason: string, to: string): Promise<SendEmailResult> {
    await db.emailLog.upsert({
      where: { idempotencyKey: req.idempotencyKey },
      create: { idempotencyKey: req.idempotencyKey, leadId: null, template: req.template, locale: req.locale ?? 'en', kind: req.kind, toAddress: to, status: 'suppressed', error: reason },
      update: { status: 'suppressed', error: reason },
    });
    return { status: 'suppressed', reason };
  }

  return { sendEmail, close: () => transport.close() };
}
