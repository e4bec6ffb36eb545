// Signed links for everything a mail lets a person do without logging in: unsubscribe, open pixel,
// click redirect, survey, double opt-in confirmation. HMAC-SHA256 over (kind, key id, payload,
// expiry), so a link can't be forged or re-aimed at another lead or URL. Every token names the key
// that signed it (`<kid>.<body>.<mac>`), so keys can rotate: the first key signs, all of them verify,
// and links already sent (unsubscribe links never expire) keep working while their key is listed.
import { createHmac, timingSafeEqual } from 'crypto';
import { keyList, LEGACY_KID, parseKeyList, type KeyList } from '../keys';

export type LinkKind = 'u' | 'o' | 'c' | 'survey' | 'confirm' | 'handoff';
export type LinkPayload = Record<string, string | number>;

/** The signing keys, first one signs new tokens (LINK_SIGNING_SECRET: one key, id LEGACY_KID). */
export type LinkKeys = KeyList;
/** What a token looks like: base64url parts joined by dots (`[kid.]body.mac`). */
export const LINK_TOKEN_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){1,2}$/;

export type Verified<P extends LinkPayload = LinkPayload> = { ok: true; payload: P } | { ok: false; reason: 'forged' | 'expired' | 'malformed' };

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64url');
const mac = (secret: string, signed: string): string => createHmac('sha256', secret).update(signed).digest('base64url');

/** `ttlMs` undefined = never expires (unsubscribe links must keep working, RFC 8058). */
export function signLink(kind: LinkKind, payload: LinkPayload, keys: LinkKeys, ttlMs?: number, now = Date.now()): string {
  const [key] = keyList(keys);
  if (!key) throw new Error('no link signing key');
  const body = b64(JSON.stringify({ p: payload, ...(ttlMs ? { e: now + ttlMs } : {}) }));
  return `${key.kid}.${body}.${mac(key.secret, `${kind}.${key.kid}.${body}`)}`;
}

export function verifyLink<P extends LinkPayload = LinkPayload>(kind: LinkKind, token: string, keys: LinkKeys, now = Date.now()): Verified<P> {
  const parts = token.split('.');
  // Two parts: a token from before key ids, signed by the single secret over `${kind}.${body}`.
  const [kid, body, sig] = parts.length === 2 ? [undefined, parts[0], parts[1]] : parts;
  if (parts.length > 3 || !body || !sig) return { ok: false, reason: 'malformed' };
  const key = keyList(keys).find((k) => k.kid === (kid ?? LEGACY_KID));
  // An unknown (retired) key id is a link we can no longer vouch for: same answer as a forgery.
  if (!key) return { ok: false, reason: 'forged' };
  const want = Buffer.from(mac(key.secret, kid === undefined ? `${kind}.${body}` : `${kind}.${kid}.${body}`));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, reason: 'forged' };
  try {
    const { p, e } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { p: P; e?: number };
    if (e !== undefined && now > e) return { ok: false, reason: 'expired' };
    return { ok: true, payload: p };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
}

/** Parses LINK_SIGNING_KEYS ("kid1:secret1,kid2:secret2", first signs); throws naming what is wrong. */
export const parseLinkKeys = parseKeyList;

export interface LinkBuilder {
  unsubscribe(leadId: string): string;
  open(key: string, leadId: string): string;
  click(key: string, leadId: string, url: string): string;
  survey(leadId: string): string;
  confirm(leadId: string): string;
  /** A manager's Accept / Send back on a lead offered to them (api/handoff.ts), valid until `expiresAt`. */
  handoff(action: HandoffAction, offer: HandoffOffer, expiresAt: Date): string;
}

export type HandoffAction = 'accept' | 'back';
/** One offer of a lead to a manager (an Assignment row): the link acts on that offer only. */
export interface HandoffOffer {
  assignmentId: string;
  leadId: string;
  managerId: string;
}
export type HandoffPayload = { a: string; l: string; m: string; x: HandoffAction };

export const SURVEY_TTL_MS = 60 * 86_400_000;
export const CONFIRM_TTL_MS = 14 * 86_400_000;

export function linkBuilder(baseUrl: string, secret: LinkKeys, now = () => Date.now()): LinkBuilder {
  const base = baseUrl.replace(/\/$/, '');
  return {
    unsubscribe: (leadId) => `${base}/u/${signLink('u', { l: leadId }, secret)}`,
    open: (key, leadId) => `${base}/o/${signLink('o', { k: key, l: leadId }, secret)}`,
    click: (key, leadId, url) => `${base}/c/${signLink('c', { k: key, l: leadId, u: url }, secret)}`,
    survey: (leadId) => `${base}/survey/${signLink('survey', { l: leadId }, secret, SURVEY_TTL_MS, now())}`,
    confirm: (leadId) => `${base}/confirm/${signLink('confirm', { l: leadId }, secret, CONFIRM_TTL_MS, now())}`,
    handoff: (action, o, expiresAt) => {
      const payload: HandoffPayload = { a: o.assignmentId, l: o.leadId, m: o.managerId, x: action };
      return `${base}/handoff/${signLink('handoff', payload, secret, Math.max(1, expiresAt.getTime() - now()), now())}`;
    },
  };
}

/**
 * Rewrites every http(s) link of a rendered mail, in both parts, to a signed click redirect that
 * keeps the original URL, except the given ones (the unsubscribe link must stay direct).
 */
export function trackClicks<M extends { html: string; text: string }>(mail: M, toClickUrl: (url: string) => string, keep: string[]): M {
  const memo = new Map<string, string>();
  const rewrite = (raw: string): string | null => {
    if (keep.includes(raw)) return null;
    let u = memo.get(raw);
    if (!u) memo.set(raw, (u = toClickUrl(raw)));
    return u;
  };
  const html = mail.html.replace(/href="(https?:\/\/[^"]+)"/g, (m, url: string) => {
    const u = rewrite(url.replace(/&amp;/g, '&'));
    return u === null ? m : `href="${u.replace(/&/g, '&amp;')}"`;
  });
  // html-to-text writes a link as "label [url]".
  const text = mail.text.replace(/\[(https?:\/\/[^\]\s]+)\]/g, (m, url: string) => {
    const u = rewrite(url);
    return u === null ? m : `[${u}]`;
  });
  return { ...mail, html, text };
}
