// Offers for the deferred-demand base: a campaign run signals the lead, the lead mails the offer
// itself (its quiet hours and frequency cap apply), holding it back until it may or it expires.
// Pure; the campaigns themselves are published content (./define.ts), never imported here.
import type { SendEmailResult } from '../activity-contract';
import type { OfferInput } from '../lead/messages';
import { decided, type Command, type Decision, type Performed } from '../lead/commands';
import { OFFERS_KEPT, draft, markSeen, record, type LeadState, type PendingOffer } from '../lead/state';

export type OffersMessage = { kind: 'offer'; input: OfferInput } | { kind: 'tick' } | Performed;

/** Checks the signal's payload (it comes from outside); null when it is usable. */
export function malformedOffer(o: OfferInput | null | undefined): string | null {
  if (!o || typeof o.runId !== 'string' || !o.runId || typeof o.path !== 'string' || !o.content?.en || !Number.isFinite(Date.parse(o.until))) return 'malformed offer payload';
  return null;
}

export function decide(state: LeadState, m: OffersMessage, now: number): Decision {
  const s = draft(state);
  switch (m.kind) {
    case 'offer':
      receive(s, m.input, now);
      return decided(s);
    case 'tick':
      return decided(s, tick(s, now));
    case 'performed':
      if (m.command.kind === 'sendEmail' && m.command.purpose.kind === 'offer') sent(s, m.command.purpose, m.outcome.ok ? m.outcome.value as SendEmailResult : null, m.outcome.ok ? '' : m.outcome.reason, now);
      return decided(s);
  }
}

function receive(s: LeadState, o: OfferInput, now: number): void {
  if (!markSeen(s, `offer:${o.runId}`)) return;
  // For the deferred base only; the lead may have moved on since the campaign read its page.
  if (s.stage !== 'deferred') {
    record(s, 'offer_skipped', now, { reason: `lead is ${s.stage}`, payload: { campaignId: o.campaignId, runId: o.runId } });
    return;
  }
  s.offers = [...s.offers, { campaignId: o.campaignId, runId: o.runId, content: o.content, path: o.path, until: Date.parse(o.until), notBefore: now }].slice(-OFFERS_KEPT);
}

function tick(s: LeadState, now: number): Command[] {
  if (!s.offers.length || s.paused) return [];
  if (s.stage !== 'deferred') {
    // A lead that moved on does not get them later.
    for (const o of s.offers) record(s, 'offer_skipped', now, { reason: `lead is ${s.stage}`, payload: { campaignId: o.campaignId, runId: o.runId } });
    s.offers = [];
    return [];
  }
  const keep: PendingOffer[] = [];
  const commands: Command[] = [];
  for (const o of s.offers) {
    if (now > o.until) record(s, 'offer_expired', now, { payload: { campaignId: o.campaignId, runId: o.runId } });
    else if (s.undeliverable) continue;
    else if (now < o.notBefore) keep.push(o);
    else {
      // Out of the list while the mail is on its way; a deferral puts it back.
      keep.push({ ...o, notBefore: Number.MAX_SAFE_INTEGER });
      const c = o.content[s.profile.locale] ?? o.content.en;
      commands.push({
        kind: 'sendEmail',
        purpose: { kind: 'offer', campaignId: o.campaignId, runId: o.runId },
        mail: { idempotencyKey: `${s.leadId}:offer:${o.runId}`, template: 'offer', kind: 'marketing', variables: { firstName: s.profile.firstName ?? null, company: s.profile.company ?? null, offerTitle: c.title, offerText: c.text, offerPath: o.path } },
      });
    }
  }
  s.offers = keep;
  return commands;
}

function sent(s: LeadState, p: { campaignId: string; runId: string }, r: SendEmailResult | null, failure: string, now: number): void {
  const o = s.offers.find((x) => x.runId === p.runId);
  if (r?.status === 'deferred' && o) {
    s.offers = s.offers.map((x) => (x === o ? { ...o, notBefore: Date.parse(r.until) } : x));
    return;
  }
  s.offers = s.offers.filter((x) => x.runId !== p.runId);
  const ok = r?.status === 'sent' || r?.status === 'already_sent';
  record(s, ok ? 'offer_sent' : 'offer_not_sent', now, { reason: !r ? failure : r.status === 'suppressed' ? r.reason : r.status, payload: { campaignId: p.campaignId, runId: p.runId } });
}
