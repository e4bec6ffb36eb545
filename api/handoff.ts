// A manager's one-click Accept / Send back from the lead card. domain/mail/handoff.ts signs the
// links (`/handoff/<token>`, kind "handoff", payload { a: assignment, l: lead, m: manager, x: accept |
// back }, valid until a day after the offer's deadline). GET only shows a confirmation page with the
// lead (a mail scanner following the link changes nothing); its button POSTs, and only the POST runs
// the lead workflow's update for exactly that offer: acceptAssignment or declineAssignment. Refused,
// with a page saying why and nothing changed: a forged link (403), an expired one (410), one whose
// offer is no longer open, i.e. already used, sent back or missed (410), and whatever the workflow
// itself refuses (409).
import formbody from '@fastify/formbody';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { escape } from 'html-escaper';
import { z } from 'zod';
import { formatDeadline } from '../domain/mail/handoff';
import { verifyLink, type HandoffAction, type HandoffPayload } from '../domain/mail/links';
import { resolveLocale, type Locale } from '../domain/mail/templates';
import type { Assignment, Lead, Manager } from '../generated/prisma/client';
import { acceptAssignmentUpdate, declineAssignmentUpdate } from '../workflows/lead/messages';
import { handoffWords, type HandoffWords } from './handoff-words';
import type { ApiPlugin } from './server';

const params = z.object({ token: z.string().min(10).max(4000) });

function page(locale: string, title: string, body: string): string {
  return `<!doctype html><html lang="${escape(locale)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escape(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:1rem 0 1.5rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}button{font:inherit;padding:.6rem 1.2rem;background:#1d4ed8;color:#fff;border:0;border-radius:6px;cursor:pointer}button.back{background:#374151}:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}.muted{color:#555}</style></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

type Refusal = { status: 403 | 409 | 410; locale: string; title: string; text: string };
type Offer = Assignment & { manager: Manager; lead: Lead };
type Opened = { refusal: Refusal } | { offer: Offer; action: HandoffAction; w: HandoffWords; locale: Locale };

const send = (reply: FastifyReply, status: number, html: string): FastifyReply =>
  // The token is the credential: never cached, never sent on as a Referer.
  reply.code(status).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').type('text/html').send(html);
const refuse = (reply: FastifyReply, r: Refusal): FastifyReply => send(reply, r.status, page(r.locale, r.title, `<p>${escape(r.text)}</p>`));

export const handoffPlugin: ApiPlugin = async (plain, deps) => {
  // The confirmation form posts application/x-www-form-urlencoded (an empty body).
  await plain.register(formbody);
  const app = plain.withTypeProvider<ZodTypeProvider>();
  const en = handoffWords('en');

  /** The offer a link acts on, while it is still open; otherwise why not. */
  async function offerOf(token: string): Promise<Opened> {
    const v = verifyLink<HandoffPayload>('handoff', token, deps.config.LINK_SIGNING_SECRET);
    if (!v.ok) {
      const expired = v.reason === 'expired';
      return { refusal: { status: expired ? 410 : 403, locale: 'en', title: expired ? 'This link has expired' : 'This link is not valid', text: `${expired ? 'The offer this link was made for is over.' : 'The link may be incomplete or altered.'} Nothing was changed.` } };
    }
    const { a, l, m, x } = v.payload;
    const offer = await deps.db.assignment.findUnique({ where: { id: a }, include: { manager: true, lead: true } });
    if (!offer || offer.leadId !== l || offer.managerId !== m || offer.lead.erasedAt || (x !== 'accept' && x !== 'back')) {
      return { refusal: { status: 410, locale: 'en', title: en.closedTitle, text: en.closed.other } };
    }
    const locale = resolveLocale(offer.manager.locale);
    const w = handoffWords(locale);
    if (offer.status !== 'offered') {
      const why = offer.status === 'accepted' || offer.status === 'declined' || offer.status === 'missed' ? w.closed[offer.status] : w.closed.other;
      return { refusal: { status: 410, locale, title: w.closedTitle, text: why } };
    }
    return { offer, action: x, w, locale };
  }

  app.get('/handoff/:token', { schema: { summary: "A manager's Accept / Send back link from the lead card: a confirmation page (changes nothing)", security: [], params } }, async (req, reply) => {
    const r = await offerOf(req.params.token);
    if ('refusal' in r) return refuse(reply, r.refusal);
    const { offer, action, w, locale } = r;
    const lead = offer.lead;
    const row = (k: string, v: string): string => `<dt>${escape(k)}</dt><dd>${escape(v)}</dd>`;
    const summary = [
      row(w.lead, [lead.firstName, lead.lastName].filter(Boolean).join(' ') || lead.email),
      row(w.leadId, lead.id),
      row(w.company, [lead.company, lead.jobTitle].filter(Boolean).join(' · ') || '–'),
      row(w.score, `${Math.round(lead.score)} (${lead.temperature})`),
      row(w.stage, lead.stage),
      ...(offer.dueAt ? [row(w.deadline, formatDeadline(offer.dueAt, offer.manager.timezone, offer.manager.locale))] : []),
    ].join('');
    const accept = action === 'accept';
    const body = `<p>${escape(accept ? w.acceptIntro : w.backIntro)}</p><dl>${summary}</dl><form method="post"><button type="submit"${accept ? '' : ' class="back"'}>${escape(accept ? w.acceptButton : w.backButton)}</button></form>`;
    return send(reply, 200, page(locale, accept ? w.acceptTitle : w.backTitle, body));
  });

  app.post('/handoff/:token', { schema: { summary: 'Confirms Accept / Send back: runs the lead workflow\'s acceptAssignment or declineAssignment for that offer', security: [], params } }, async (req, reply) => {
    const r = await offerOf(req.params.token);
    if ('refusal' in r) return refuse(reply, r.refusal);
    const { offer, action, w, locale } = r;
    const input = { managerId: offer.managerId, assignmentId: offer.id };
    const handle = deps.temporal.workflow.getHandle(offer.lead.workflowId);
    try {
      if (action === 'accept') await handle.executeUpdate(acceptAssignmentUpdate, { args: [input] });
      else await handle.executeUpdate(declineAssignmentUpdate, { args: [input] });
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) return refuse(reply, { status: 410, locale, title: w.closedTitle, text: w.closed.other });
      if (!(e instanceof WorkflowUpdateFailedError)) throw e;
      // The workflow's validator refused (the offer changed between the check above and now).
      const reason = e.cause?.message ?? e.message;
      if (/already accepted/.test(reason)) return refuse(reply, { status: 410, locale, title: w.closedTitle, text: w.closed.accepted });
      return refuse(reply, { status: 409, locale, title: w.failedTitle, text: reason });
    }
    const done = action === 'accept';
    return send(reply, 200, page(locale, done ? w.acceptedTitle : w.sentBackTitle, `<p>${escape(done ? w.acceptedText : w.sentBackText)}</p><p class="muted">${escape(w.leadId)}: ${escape(offer.leadId)}</p>`));
  });
};
