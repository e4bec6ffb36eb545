// The local mail sink, readable by a person: GET /mail (list), /mail/:id (the mail), /mail/:id.eml.
// Its mails hold live unsubscribe, survey and confirm links: the pages need an admin API key, or the
// sink's per-start token printed by `npm start` (`/mail?token=...`), which is traded for an HttpOnly
// cookie so the pages' own links keep working without the token in them.
// Looking at a mail here is not the lead opening or clicking it: the page shows the mail without its
// open pixel and with every tracked click redirect replaced by the address it leads to, and its
// Content-Security-Policy lets nothing in the page call home (no scripts, forms or fetches).
import { timingSafeEqual } from 'crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { escape } from 'html-escaper';
import { z } from 'zod';
import { verifyLink, type LinkKeys } from '../domain/mail/links';
import { guarded, presentedKey } from './auth';
import { errorBody, htmlPage, type ApiPlugin } from './server';

const COOKIE = 'leadflow_sink';
// The sink's own ids (`<ms>-<seq>`), so an id can never name a file outside the sink's folder.
const mailId = z.string().regex(/^\d{1,16}-\d{6}(\.eml)?$/, 'must be a sink mail id like 1764000000000-000001');
const denied = { 303: z.null().describe('?token= traded for a cookie; redirect to the page without it'), 401: errorBody, 403: errorBody, 429: errorBody };
const doc = <R extends Record<number, unknown>>(summary: string, response: R) => ({ schema: { summary: `${summary} (the local mail sink)`, security: [{ apiKey: [] }], response: { ...denied, ...response } } });
/** Our one cookie from a Cookie header (@fastify/cookie loads its parser as ESM, which jest cannot run). */
const sinkCookie = (header: string | undefined): string | undefined => header?.split(';').map((c) => c.trim().split('=')).find(([k]) => k === COOKIE)?.[1];
const sameSecret = (a: string | undefined, b: string): boolean => typeof a === 'string' && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title><style>body{font:14px system-ui;margin:2rem}table{border-collapse:collapse}td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}.note{color:#555}pre{white-space:pre-wrap;overflow-wrap:anywhere}</style></head><body>${body}</body></html>`;

/** The mail view's policy (an iframe's srcdoc inherits it): images may show, nothing may run or send. */
export const MAIL_VIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data: https: http:; frame-src 'self'; form-action 'none'";

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A mail as the sink shows it: the open pixel (`<base>/o/...`) removed and each click redirect
 * (`<base>/c/<token>`) replaced by its signed target; a redirect whose token does not verify is made
 * inert. Both parts, so the text view is as harmless as the HTML one.
 */
export function untracked(mail: { html: string; text: string }, publicBaseUrl: string, keys: LinkKeys): { html: string; text: string } {
  const base = escapeRegExp(publicBaseUrl.replace(/\/$/, ''));
  const target = (token: string): string | null => {
    const v = verifyLink<{ u: string }>('c', token, keys);
    return v.ok && typeof v.payload.u === 'string' ? v.payload.u : null;
  };
  const html = mail.html
    .replace(new RegExp(`<img\\b[^>]*\\bsrc="${base}/o/[^"]*"[^>]*>`, 'gi'), '')
    .replace(new RegExp(`href="${base}/c/([\\w.-]+)"`, 'g'), (_m, token: string) => {
      const u = target(token);
      return u ? `href="${escape(u)}"` : 'title="tracked link, not followed from the mail sink"';
    });
  const text = mail.text.replace(new RegExp(`${base}/c/([\\w.-]+)`, 'g'), (_m, token: string) => target(token) ?? '(tracked link)');
  return { html, text };
}

export const mailPlugin: ApiPlugin = async (app, deps) => {
  const sink = deps.sink;
  if (!sink) return;
  const admin = guarded(deps, 'admin').onRequest as (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  app.addHook('onRequest', async (req, reply) => {
    const query = req.query as { token?: string };
    if (sameSecret(query.token, sink.viewToken)) {
      // Trade the token for a cookie and drop it from the address bar (and from any Referer).
      const url = new URL(req.url, 'http://sink');
      url.searchParams.delete('token');
      // The token is base64url: nothing to escape in the cookie value.
      await reply.header('set-cookie', `${COOKIE}=${sink.viewToken}; Path=/; HttpOnly; SameSite=Strict`).redirect(`${url.pathname}${url.search}`, 303);
      return;
    }
    if (sameSecret(sinkCookie(req.headers.cookie), sink.viewToken)) return;
    if (presentedKey(req)) return admin(req, reply);
    await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'the mail sink needs an admin API key or the token npm start printed (/mail?token=...)' });
  });
  app.addHook('onSend', async (_req, reply) => {
    reply.header('referrer-policy', 'no-referrer').header('cache-control', 'no-store');
  });
  app.get('/mail.json', doc('Mails received, newest first', { 200: z.array(z.record(z.string(), z.unknown())) }), async () => sink.mails().reverse().map(({ html: _h, text: _t, ...m }) => m));
  app.get('/mail', doc('Mails received, as a page', { 200: htmlPage('The list') }), async (_req, reply) => {
    const rows = sink
      .mails()
      .reverse()
      .map((m) => `<tr><td>${escape(m.receivedAt)}</td><td>${escape(m.to.join(', '))}</td><td><a href="/mail/${encodeURIComponent(m.id)}">${escape(m.subject)}</a></td><td>${escape(m.headers['content-language'] ?? '')}</td></tr>`)
      .join('');
    return reply.type('text/html').send(page('Mail sink', `<h1>Mail sink (${sink.mails().length})</h1><table><tr><th>received</th><th>to</th><th>subject</th><th>lang</th></tr>${rows}</table>`));
  });
  app.get('/mail/:id', { schema: { ...doc('One mail (page, or raw with .eml)', { 200: { description: 'The mail', content: { 'text/html': { schema: z.string() }, 'message/rfc822': { schema: z.string() } } }, 400: errorBody, 404: errorBody }).schema, params: z.object({ id: mailId }) } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (id.endsWith('.eml')) {
      // Only a mail the sink knows: reading the file of an unknown id would throw (a 500).
      const raw = sink.get(id.slice(0, -4)) && sink.raw(id.slice(0, -4));
      return raw ? reply.type('message/rfc822').send(raw) : reply.code(404).send({ error: 'no such mail' });
    }
    const m = sink.get(id);
    if (!m) return reply.code(404).send({ error: 'no such mail' });
    const shown = untracked(m, deps.config.PUBLIC_BASE_URL, deps.config.LINK_SIGNING_SECRET);
    // The mail's own HTML is shown in a sandboxed frame (no scripts); its links open in a new tab.
    const frame = /<head[^>]*>/i.test(shown.html) ? shown.html.replace(/<head[^>]*>/i, (h) => `${h}<base target="_blank">`) : `<base target="_blank">${shown.html}`;
    return reply
      .header('content-security-policy', MAIL_VIEW_CSP)
      .type('text/html')
      .send(
        page(
          m.subject,
          `<p><a href="/mail">all mail</a> · <a href="/mail/${encodeURIComponent(id)}.eml">.eml</a></p><h2>${escape(m.subject)}</h2><p>to ${escape(m.to.join(', '))}</p><p class="note">Shown without the open pixel and with links going straight to their target: viewing here records no open or click.</p><iframe sandbox="allow-popups allow-popups-to-escape-sandbox" style="width:100%;height:70vh;border:1px solid #ddd" srcdoc="${escape(frame)}"></iframe><pre>${escape(shown.text)}</pre>`,
        ),
      );
  });
};
