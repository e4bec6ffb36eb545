// Public routes behind signed links in mails: one-click unsubscribe (RFC 8058), open pixel, click
// redirect and double opt-in confirmation. Each records what happened and signals the lead workflow.
import formbody from '@fastify/formbody';
import { createHash } from 'crypto';
import { escape } from 'html-escaper';
import { z } from 'zod';
import { verifyLink, type LinkKind } from '../../activities/email/links';
import { emailHash } from '../../activities/email/send';
import { leadEventSignal } from '../../workflows/messages';
import type { LeadEventSignal } from '../../workflows/types';
import type { ApiDeps, ApiPlugin } from './server';

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const token = { schema: { params: z.object({ token: z.string().min(10).max(4000) }) } };

const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(title)}</title><style>body{font:16px system-ui;max-width:36rem;margin:3rem auto;padding:0 1rem}button{font-size:1rem;padding:.5rem 1rem}</style></head><body><h1>${escape(title)}</h1>${body}</body></html>`;

export async function signalLead(deps: Pick<ApiDeps, 'temporal'>, leadId: string, e: LeadEventSignal): Promise<void> {
  try {
    await deps.temporal.workflow.getHandle(`lead-${leadId}`).signal(leadEventSignal, e);
  } catch {
    // A finished lead workflow (client, erased) takes no more events; the database keeps the fact.
  }
}

export const linksPlugin: ApiPlugin = async (app, deps) => {
  await app.register(formbody);
  const secret = deps.config.LINK_SIGNING_SECRET;
  const check = (kind: LinkKind, t: string) => verifyLink<Record<string, string>>(kind, t, secret);
  const refuse = (reason: string) => page(reason === 'expired' ? 'This link has expired' : 'This link is not valid', '<p>Nothing was changed.</p>');

  app.get('/u/:token', token, async (req, reply) => {
    const v = check('u', (req.params as { token: string }).token);
    if (!v.ok) return reply.code(v.reason === 'expired' ? 410 : 403).type('text/html').send(refuse(v.reason));
    return reply.type('text/html').send(page('Unsubscribe', `<form method="post"><p>Stop all marketing mail to this address?</p><button type="submit">Unsubscribe</button></form>`));
  });

  app.post('/u/:token', token, async (req, reply) => {
    const v = check('u', (req.params as { token: string }).token);
    if (!v.ok) return reply.code(v.reason === 'expired' ? 410 : 403).type('text/html').send(refuse(v.reason));
    const leadId = v.payload.l;
    const lead = await deps.db.lead.findUnique({ where: { id: leadId } });
    if (lead) {
      await deps.db.$transaction([
        deps.db.lead.update({ where: { id: leadId }, data: { unsubscribedAt: lead.unsubscribedAt ?? new Date(), consentStatus: 'withdrawn' } }),
        deps.db.suppression.upsert({ where: { emailHash: emailHash(lead.email) }, create: { emailHash: emailHash(lead.email), reason: 'unsubscribed' }, update: {} }),
      ]);
      await signalLead(deps, leadId, { id: `unsubscribe:${leadId}`, type: 'unsubscribed' });
    }
    return reply.type('text/html').send(page('You are unsubscribed', '<p>You will not receive marketing mail from us any more.</p>'));
  });

  app.get('/o/:token', token, async (req, reply) => {
    const v = check('o', (req.params as { token: string }).token);
    if (v.ok) await signalLead(deps, v.payload.l, { id: `open:${v.payload.k}`, type: 'email_opened', data: { mail: v.payload.k } });
    return reply.header('cache-control', 'no-store').type('image/gif').send(GIF);
  });

  app.get('/c/:token', token, async (req, reply) => {
    const v = check('c', (req.params as { token: string }).token);
    if (!v.ok) return reply.code(v.reason === 'expired' ? 410 : 403).type('text/html').send(refuse(v.reason));
    const url = v.payload.u;
    const id = `click:${v.payload.k}:${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
    await signalLead(deps, v.payload.l, { id, type: 'email_clicked', data: { url, mail: v.payload.k } });
    // A click on a site page also counts as that page view (pricing counts more).
    return reply.redirect(url, 302);
  });

  app.get('/confirm/:token', token, async (req, reply) => {
    const v = check('confirm', (req.params as { token: string }).token);
    if (!v.ok) return reply.code(v.reason === 'expired' ? 410 : 403).type('text/html').send(refuse(v.reason));
    const leadId = v.payload.l;
    const updated = await deps.db.lead.updateMany({ where: { id: leadId, erasedAt: null }, data: { consentStatus: 'confirmed', consentAt: new Date() } });
    if (updated.count) await signalLead(deps, leadId, { id: `confirm:${leadId}`, type: 'consent_confirmed' });
    return reply.type('text/html').send(page('Thank you', '<p>Your address is confirmed.</p>'));
  });
};
