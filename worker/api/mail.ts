// The local mail sink, readable by a person: GET /mail (list), /mail/:id (the mail), /mail/:id.eml.
import { escape } from 'html-escaper';
import { z } from 'zod';
import type { ApiPlugin } from './server';

const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title><style>body{font:14px system-ui;margin:2rem}table{border-collapse:collapse}td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}</style></head><body>${body}</body></html>`;

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
    // The mail's own HTML is shown in a sandboxed frame, so it cannot run scripts here.
    return reply.type('text/html').send(page(m.subject, `<p><a href="/mail">all mail</a> · <a href="/mail/${encodeURIComponent(id)}.eml">.eml</a></p><h2>${escape(m.subject)}</h2><p>to ${escape(m.to.join(', '))}</p><iframe sandbox style="width:100%;height:70vh;border:1px solid #ddd" srcdoc="${escape(m.html)}"></iframe><pre>${escape(m.text)}</pre>`));
  });
};
