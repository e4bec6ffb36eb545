// Public routes behind signed links in mails: one-click unsubscribe (RFC 8058), open pixel, click
// redirect and double opt-in confirmation. Each records what happened and signals the lead workflow.
// Whatever changes consent (unsubscribe, confirm) happens on POST only: the GET shows a page with a
// button, because mail scanners and link previews follow every link in a mail.
import formbody from '@fastify/formbody';
import { createHash } from 'crypto';
import { escape } from 'html-escaper';
import { z } from 'zod';
import { LINK_TOKEN_PATTERN, verifyLink, type LinkKind } from '../domain/mail/links';
import { emailHash } from '../domain/mail/email-hash';
import { signalLead } from '../domain/lead-signal';
import { linkLimited } from './limits';
import { htmlPage, type ApiPlugin } from './server';

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const tokenParams = z.object({ token: z.string().min(10).max(4000).regex(LINK_TOKEN_PATTERN, 'must be a link token') });
const refused = { 403: htmlPage('The link is not valid (nothing changed)'), 410: htmlPage('The link has expired (nothing changed)') };
/** Options of a signed-link route: the token parameter, a limit per token, and the page answers. */
const linkRoute = (summary: string, response: Record<number, unknown>) => ({ ...linkLimited(), schema: { summary, params: tokenParams, response } });
const token = linkRoute('A page for a signed link', { 200: htmlPage('The page'), ...refused });

const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(title)}</title><style>body{font:16px system-ui;max-width:36rem;margin:3rem auto;padding:0 1rem}button{font-size:1rem;padding:.5rem 1rem}</style></head><body><h1>${escape(title)}</h1>${body}</body></html>`;

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

  app.get('/o/:token', linkRoute('Open pixel (records an open when the token is valid)', { 200: { description: 'A 1x1 GIF', content: { 'image/gif': { schema: z.string() } } } }), async (req, reply) => {
    const v = check('o', (req.params as { token: string }).token);
    if (v.ok) await signalLead(deps, v.payload.l, { id: `open:${v.payload.k}`, type: 'email_opened', data: { mail: v.payload.k } });
    return reply.header('cache-control', 'no-store').type('image/gif').send(GIF);
  });

  app.get('/c/:token', linkRoute('Click redirect: records the click, then redirects to the signed URL', { 302: z.null().describe('Redirect to the target URL (Location header)'), ...refused }), async (req, reply) => {
    const v = check('c', (req.params as { token: string }).token);
    if (!v.ok) return reply.code(v.reason === 'expired' ? 410 : 403).type('text/html').send(refuse(v.reason));
    const url = v.payload.u;
    const id = `click:${v.payload.k}:${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
    await signalLead(deps, v.payload.l, { id, type: 'email_clicked', data: { url, mail: v.payload.k } });
    // A click on a site page also counts as that page view (pricing counts more).
    return reply.redirect(url, 302);
  });

  // Double opt-in: the GET only asks; a person presses the button (POST) to confirm.
  app.get('/confirm/:token', token, async (req, reply) => {
    const v = check('confirm', (req.params as { token: string }).token);
    if (!v.ok) return reply.code(v.reason === 'expired' ? 410 : 403).type('text/html').send(refuse(v.reason));
    return reply.header('cache-control', 'no-store').type('text/html').send(page('Confirm your address', '<form method="post"><p>Do you want to receive our mail at this address?</p><button type="submit">Confirm</button></form>'));
  });

  app.post('/confirm/:token', token, async (req, reply) => {
    const v = check('confirm', (req.params as { token: string }).token);
    if (!v.ok) return reply.code(v.reason === 'expired' ? 410 : 403).type('text/html').send(refuse(v.reason));
    const leadId = v.payload.l;
    const updated = await deps.db.lead.updateMany({ where: { id: leadId, erasedAt: null }, data: { consentStatus: 'confirmed', consentAt: new Date() } });
    if (updated.count) await signalLead(deps, leadId, { id: `confirm:${leadId}`, type: 'consent_confirmed' });
    return reply.type('text/html').send(page('Thank you', '<p>Your address is confirmed.</p>'));
  });
};
