// The intake API: leads in from forms, landing pages, chat, events, lists (`POST /leads`), their
// behaviour (`POST /leads/:id/events`, `POST /events` by email), inbound mail (`POST /inbound/mail`,
// a raw RFC 822 message) and a lead's row and live workflow state (`GET /leads/:id`). Every route
// needs an API key. An inbound mail's From counts (a `replied` event, a new lead) only when our MTA
// or a trusted relay vouches for it (../inbound-trust.ts); else it is kept on the lead, unverified.
import type { FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { simpleParser } from 'mailparser';
import { createHash } from 'crypto';
import { z } from 'zod';
import { stateQuery, type LeadView } from '../workflows/lead/messages';
import { LEAD_EVENT_TYPES, type LeadEventSignal } from '../workflows/types';
import { isUniqueViolation } from '../domain/db';
import { createEmailVerifier, type EmailVerifier } from '../domain/intake/email-verification';
import { judgeInbound } from '../domain/intake/inbound-trust';
import { intakeLead, InvalidLeadError, normaliseEmail, signalLeadEvent, SuppressedError, UnknownCampaignError, type IntakeInput } from '../domain/intake/intake';
import { toStorableText } from '../domain/storable-text';
import { CONTROL_CHARACTERS, emailField, leadBodySchema, toIntakeInput } from '../domain/intake/lead-input';
import { guarded } from './auth';
import { gdprPlugin } from './gdpr';
import { errorBody, type ApiDeps, type ApiPlugin } from './server';

/** Behaviour other systems may report; mail opens/clicks, consent and unsubscribes come only through signed links. */
export const EXTERNAL_EVENT_TYPES = ['page_viewed', 'document_downloaded', 'form_submitted', 'webinar_attended', 'demo_booked', 'replied'] as const satisfies readonly (typeof LEAD_EVENT_TYPES)[number][];

const eventData = z
  .record(z.string().min(1).max(100), z.union([z.string().max(2000), z.number().refine(Number.isFinite, 'must be finite'), z.boolean(), z.null()]))
  .refine((d) => Object.keys(d).length <= 50, 'at most 50 keys');
const eventSchema = z
  .object({
    /** Idempotency id: the same id is counted once, however often it is posted. */
    id: z.string().trim().min(1).max(200),
    type: z.enum(EXTERNAL_EVENT_TYPES),
    at: z.iso.datetime({ offset: true }).optional(),
    data: eventData.optional(),
  })
  .strict();
const eventByEmailSchema = eventSchema.extend({ email: emailField }).strict();
const leadParams = z.object({ id: z.string().min(1).max(100) });
const emailCheck = z.enum(['mx', 'a', 'unverified']);
const intakeReply = z.object({ leadId: z.string(), created: z.boolean(), workflowId: z.string(), closed: z.boolean().optional(), emailCheck });
const inboundReply = z.object({
  leadId: z.string().nullable(),
  created: z.boolean(),
  /** Whether our MTA or a trusted relay vouched for the From (only then does the mail count). */
  verified: z.boolean(),
  event: z.enum(['replied', 'form_submitted']).nullable(),
  recorded: z.boolean().optional(),
  workflowId: z.string().optional(),
  closed: z.boolean().optional(),
  emailCheck: emailCheck.optional(),
  reason: z.string().optional(),
});
const leadView = z.object({ lead: z.record(z.string(), z.unknown()), workflow: z.object({ status: z.string(), state: z.unknown(), error: z.string().optional() }) });

const LEAD_BODY_LIMIT = 16 * 1024;
const MAIL_BODY_LIMIT = 5 * 1024 * 1024;

export interface IntakePluginOptions {
  /** Address checks (tests inject a resolver; default: the system DNS). */
  verifier?: EmailVerifier;
}

const invalid = (reply: FastifyReply, field: string, message: string) => reply.code(400).send({ error: 'invalid request', errors: [{ field, message }] });

/** Runs intake and turns its refusals into HTTP answers; null when the reply was already sent. */
async function admit(deps: ApiDeps, reply: FastifyReply, input: IntakeInput) {
  try {
    return await intakeLead({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.TASK_QUEUE }, input);
  } catch (e) {
    if (e instanceof SuppressedError) {
      await reply.code(409).send({ error: `${e.message}: nothing was stored`, errors: [{ field: 'email', message: 'address is suppressed' }] });
      return null;
    }
    if (e instanceof UnknownCampaignError) {
      await invalid(reply, 'source.campaign', e.message);
      return null;
    }
    if (e instanceof InvalidLeadError) {
      await reply.code(400).send({ error: 'invalid request', errors: e.errors });
      return null;
    }
    throw e;
  }
}

export function createIntakePlugin(opts: IntakePluginOptions = {}): ApiPlugin {
  const verifier = opts.verifier ?? createEmailVerifier();
  return async (plain, deps) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    await plain.register(gdprPlugin, deps);

    app.post(
      '/leads',
      { ...guarded(deps, 'intake'), bodyLimit: LEAD_BODY_LIMIT, schema: { summary: 'Take in a lead (new or known by e-mail)', body: leadBodySchema, response: { 200: intakeReply, 201: intakeReply, 400: errorBody, 409: errorBody } } },
      async (req, reply) => {
        const check = await verifier.verify(req.body.email);
        if (!check.ok) return invalid(reply, 'email', check.reason);
        const r = await admit(deps, reply, toIntakeInput(req.body));
        if (!r) return reply;
        return reply.code(r.created ? 201 : 200).send({ ...r, emailCheck: check.checked });
      },
    );

    const accept = async (reply: FastifyReply, lead: { id: string } | null, e: z.infer<typeof eventSchema>) => {
      const row = lead && (await deps.db.lead.findUnique({ where: { id: lead.id } }));
      if (!row || row.erasedAt) return reply.code(404).send({ error: 'lead not found' });
      const event: LeadEventSignal = { id: `api:${e.id}`, type: e.type, ...(e.at ? { at: e.at } : {}), ...(e.data ? { data: e.data } : {}) };
      const sent = await signalLeadEvent({ temporal: deps.temporal, taskQueue: deps.config.TASK_QUEUE }, row, event);
      if (!sent) return reply.code(409).send({ error: `the lead's workflow has ended (${row.stage}); the event was not recorded` });
      return reply.code(202).send({ leadId: row.id, eventId: event.id });
    };
    const accepted = z.object({ leadId: z.string(), eventId: z.string() });

    app.post(
      '/leads/:id/events',
      { ...guarded(deps, 'intake'), bodyLimit: LEAD_BODY_LIMIT, schema: { summary: 'Record behaviour of a lead (idempotent by id)', params: leadParams, body: eventSchema, response: { 202: accepted, 400: errorBody, 404: errorBody, 409: errorBody } } },
      async (req, reply) => accept(reply, { id: req.params.id }, req.body),
    );

    app.post(
      '/events',
      { ...guarded(deps, 'intake'), bodyLimit: LEAD_BODY_LIMIT, schema: { summary: 'Record behaviour of a lead known by e-mail', body: eventByEmailSchema, response: { 202: accepted, 400: errorBody, 404: errorBody, 409: errorBody } } },
      async (req, reply) => {
        const { email, ...e } = req.body;
        return accept(reply, await deps.db.lead.findUnique({ where: { email: normaliseEmail(email) }, select: { id: true } }), e);
      },
    );

    // Raw mail: its parsers live in a plugin of its own, so JSON routes never read text/plain as a body.
    await plain.register(async (mailScope) => {
      mailScope.addContentTypeParser(['message/rfc822', 'text/plain', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: MAIL_BODY_LIMIT }, (_req, body, done) => done(null, body));
      mailScope.post(
        '/inbound/mail',
        {
          ...guarded(deps, 'intake'),
          bodyLimit: MAIL_BODY_LIMIT,
          schema: {
            summary: 'A raw RFC 822 message (Content-Type: message/rfc822): a reply from a lead, or a new lead; counted only when the From is verified',
            response: { 200: inboundReply, 201: inboundReply, 202: inboundReply, 400: errorBody, 409: errorBody, 413: errorBody, 415: errorBody },
          },
        },
        async (req, reply) => {
          if (!Buffer.isBuffer(req.body)) return reply.code(415).send({ error: 'Content-Type must be message/rfc822 (or text/plain, application/octet-stream)' });
          if (!req.body.length) return invalid(reply, 'body', 'a raw RFC 822 message with Content-Type message/rfc822');
          const raw = req.body;
          const mail = await simpleParser(raw);
          const from = mail.from?.value.find((a) => a.address);
          const address = from?.address?.trim();
          if (!address || !z.email().safeParse(address).success) return invalid(reply, 'from', 'the message has no valid From address');
          // The sender's client wrote these, not a form: what the database cannot hold is dropped, not refused.
          const messageId = toStorableText(mail.messageId ?? `<${createHash('sha256').update(raw).digest('hex').slice(0, 32)}>`);
          const subject = toStorableText(mail.subject ?? '').slice(0, 300);
          const known = await deps.db.lead.findUnique({ where: { email: normaliseEmail(address) } });
          const trust = judgeInbound(mail, address, req.ip, { authservId: deps.config.INBOUND_AUTHSERV_ID, trustedRelays: deps.config.INBOUND_TRUSTED_RELAYS });
          if (!trust.verified) {
            // Kept for a person to look at, never scored: a spoofed From must not move a lead.
            if (known && !known.erasedAt) {
              const dedupKey = `inbound-unverified:${known.id}:${createHash('sha256').update(messageId).digest('hex').slice(0, 32)}`;
              await deps.db.leadEvent.create({ data: { leadId: known.id, type: 'inbound_mail_unverified', dedupKey, reason: trust.reason, payload: { subject, messageId }, occurredAt: new Date() } }).catch((e: unknown) => {
                if (!isUniqueViolation(e)) throw e;
              });
            }
            return reply.code(202).send({ leadId: known && !known.erasedAt ? known.id : null, created: false, verified: false, event: null, reason: trust.reason });
          }
          if (known && !known.erasedAt) {
            const sent = await signalLeadEvent({ temporal: deps.temporal, taskQueue: deps.config.TASK_QUEUE }, known, { id: `mail:${messageId}`, type: 'replied', data: { subject, messageId } });
            return reply.code(202).send({ leadId: known.id, created: false, verified: true, event: 'replied', recorded: sent !== null });
          }
          const check = await verifier.verify(address);
          if (!check.ok) return invalid(reply, 'from', check.reason);
          // A display name is what the sender's client wrote, not what a person typed into our form:
          // control characters in it become spaces instead of refusing the mail.
          const display = (from?.name ?? '').replace(new RegExp(CONTROL_CHARACTERS.source, 'g'), ' ').trim();
          const [first, ...rest] = (display || address.split('@')[0]).split(/\s+/);
          const r = await admit(deps, reply, {
            email: address,
            firstName: first.slice(0, 100),
            ...(rest.length ? { lastName: rest.join(' ').slice(0, 100) } : {}),
            source: 'inbound_mail',
            // Writing to us is no consent to marketing mail: no nurture mail until consent is given.
            consent: 'unknown',
            event: { id: `mail:${messageId}`, type: 'form_submitted', data: { channel: 'inbound_mail', subject, messageId } },
          });
          if (!r) return reply;
          return reply.code(r.created ? 201 : 200).send({ ...r, verified: true, event: 'form_submitted', emailCheck: check.checked });
        },
      );
    });

    app.get(
      '/leads/:id',
      { ...guarded(deps, 'admin'), schema: { summary: "A lead's row and its workflow's live state", params: leadParams, response: { 200: leadView, 404: errorBody } } },
      async (req, reply) => {
        const lead = await deps.db.lead.findUnique({ where: { id: req.params.id } });
        if (!lead) return reply.code(404).send({ error: 'lead not found' });
        let workflow: { status: string; state: LeadView | null; error?: string };
        try {
          const handle = deps.temporal.workflow.getHandle(lead.workflowId);
          const d = await handle.describe();
          // A query needs a worker; bounded so a stopped worker makes this slow answer, not a hang.
          const state = await deps.temporal.withDeadline(Date.now() + 3000, () => handle.query(stateQuery)).catch(() => null);
          workflow = { status: d.status.name, state };
        } catch (e) {
          workflow = { status: 'UNKNOWN', state: null, error: (e as Error).message };
        }
        return reply.send({ lead, workflow });
      },
    );
  };
}

export const intakePlugin: ApiPlugin = createIntakePlugin();
