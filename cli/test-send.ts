// A test send: one template rendered for a sample lead and mailed to the marketer's own inbox
// through the configured SMTP server. It is marked as a test twice (a "[TEST]" subject prefix and the
// X-Leadflow-Test header) and stays outside everything that counts: no ledger row, no lead, no
// tracked links (the open pixel is blank, links go straight to the site, unsubscribe is a mailto to
// the sender), so statistics never see it and no lead is touched.
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { render, type RenderedMail } from '../domain/mail/render';
import { BLANK_PIXEL, smtpTransportOptions, type EmailConfig } from '../activities/email/send';
import { isTemplateId, LOCALES, TEMPLATES, type TemplateSpec } from '../domain/mail/templates';
import type { PreviewLead } from './sequence-preview';

export const TEST_HEADER = 'X-Leadflow-Test';
export const TEST_SUBJECT_PREFIX = '[TEST] ';

export class TestSendError extends Error {}

export interface TestSendRequest {
  template: string;
  to: string;
  /** Forced locale; else the sample lead's, else en. */
  locale?: string;
  /** The sample lead (the preview's lead.json): its first name and company fill the mail. */
  lead?: PreviewLead;
  /** Template variables beyond the lead's (`--var holiday=Christmas`). */
  variables?: Record<string, string>;
}

export interface TestSendResult {
  messageId: string;
  to: string;
  subject: string;
  locale: string;
}

const address = z.email('--to must be an e-mail address');

/** Renders the mail exactly as a send would, with untracked links. */
export async function renderTestMail(config: EmailConfig, req: Omit<TestSendRequest, 'to'>): Promise<RenderedMail> {
  if (!isTemplateId(req.template)) throw new TestSendError(`unknown template "${req.template}" (known: ${Object.keys(TEMPLATES).join(', ')})`);
  const spec: TemplateSpec = TEMPLATES[req.template];
  const locale = req.locale ?? req.lead?.profile.locale;
  if (req.locale !== undefined && !(LOCALES as readonly string[]).includes(req.locale.toLowerCase().split(/[-_]/)[0])) {
    throw new TestSendError(`--locale ${req.locale}: no texts in that language (known: ${LOCALES.join(', ')})`);
  }
  const given = { firstName: req.lead?.profile.firstName ?? null, company: req.lead?.profile.company ?? null, ...req.variables };
  // Only what the template declares: a manager card's fields come from --var, not from the lead file.
  const declared = Object.fromEntries(Object.entries(given).filter(([k]) => k in spec.variables.shape));
  const vars = spec.variables.safeParse(declared);
  if (!vars.success) {
    throw new TestSendError(`${req.template}: ${vars.error.issues.map((i) => `variable "${i.path.join('.')}": ${i.message}`).join('; ')} (give it with --var name=value)`);
  }
  const fromAddress = /<([^>]+)>/.exec(config.from)?.[1] ?? config.from;
  const offerPath = (vars.data as { offerPath?: string }).offerPath;
  return render(req.template, locale, {
    ...vars.data,
    leadId: req.lead?.id ?? 'test',
    companyName: config.companyName,
    companyAddress: config.companyAddress,
    unsubscribeUrl: `mailto:${fromAddress}?subject=unsubscribe`,
    openUrl: BLANK_PIXEL,
    ctaUrl: `${config.siteUrl.replace(/\/$/, '')}${offerPath ?? spec.ctaPath ?? '/'}`,
    surveyUrl: `${config.siteUrl.replace(/\/$/, '')}/`,
    locale: locale ?? 'en',
  });
}

export async function testSend(config: EmailConfig, req: TestSendRequest): Promise<TestSendResult> {
  const to = address.safeParse(req.to);
  if (!to.success) throw new TestSendError(to.error.issues[0].message);
  const mail = await renderTestMail(config, req);
  const subject = `${TEST_SUBJECT_PREFIX}${mail.subject}`;
  const transport = nodemailer.createTransport({ ...smtpTransportOptions(config.smtp), pool: false });
  try {
    const info = await transport.sendMail({
      from: config.from,
      to: to.data,
      subject,
      html: mail.html,
      text: mail.text,
      headers: { 'Content-Language': mail.locale, [TEST_HEADER]: '1', 'X-Leadflow-Template': req.template },
    });
    return { messageId: info.messageId, to: to.data, subject, locale: mail.locale };
  } finally {
    transport.close();
  }
}
