// The local mail sink, readable by a person: GET /mail (list), /mail/:id (the mail), /mail/:id.eml.
// Looking at a mail here is not the lead opening or clicking it: the page shows the mail without its
// open pixel and with every tracked click redirect replaced by the address it leads to, and its
// Content-Security-Policy lets nothing in the page call home (no scripts, forms or fetches).
import { escape } from 'html-escaper';
import { z } from 'zod';
import { verifyLink } from '../../activities/email/links';
import type { ApiPlugin } from './server';

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
export function untracked(mail: { html: string; text: string }, publicBaseUrl: string, secret: string): { html: string; text: string } {
  const base = escapeRegExp(publicBaseUrl.replace(/\/$/, ''));
  const target = (token: string): string | null => {
    const v = verifyLink<{ u: string }>('c', token, secret);
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
  app.get('/mail.json', async () => sink.mails().reverse().map(({ html: _h, text: _t, ...m }) => m));
  app.get('/mail', async (_req, reply) => {
    const rows = sink
      .mails()
      .reverse()
      .map((m) => `<tr><td>${escape(m.receivedAt)}</td><td>${escape(m.to.join(', '))}</td><td><a href="/mail/${encodeURIComponent(m.id)}">${escape(m.subject)}</a></td><td>${escape(m.headers['content-language'] ?? '')}</td></tr>`)
      .join('');
    return reply.type('text/html').send(page('Mail sink', `<h1>Mail sink (${sink.mails().length})</h1><table><tr><th>received</th><th>to</th><th>subject</th><th>lang</th></tr>${rows}</table>`));
  });
  app.get('/mail/:id', { schema: { params: z.object({ id: z.string().max(100) }) } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (id.endsWith('.eml')) {
      const raw = sink.raw(id.slice(0, -4));
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
