// Checks an address before its lead enters the base: syntax (the zod schema did that), reserved and
// disposable domains, and a domain that can receive mail (MX, else A/AAAA, RFC 5321 5.1). The DNS
// resolver is injectable so tests need no network; answers are cached per domain, because imports
// and bursts bring many leads from the same few domains.
import { promises as dns } from 'dns';

export interface DomainResolver {
  resolveMx(domain: string): Promise<{ exchange: string; priority: number }[]>;
  resolve4(domain: string): Promise<string[]>;
  resolve6(domain: string): Promise<string[]>;
}

export type Verdict = { ok: true; checked: 'mx' | 'a' | 'unverified' } | { ok: false; reason: string };

/** Throw-away mailbox providers: a lead there cannot be nurtured. Extend by config if needed. */
export const DISPOSABLE_DOMAINS: ReadonlySet<string> = new Set([
  '10minutemail.com', 'guerrillamail.com', 'guerrillamail.net', 'sharklasers.com', 'mailinator.com', 'maildrop.cc',
  'yopmail.com', 'yopmail.net', 'tempmail.com', 'temp-mail.org', 'trashmail.com', 'getnada.com', 'dispostable.com',
  'throwawaymail.com', 'fakeinbox.com', 'mintemail.com', 'mohmal.com', 'emailondeck.com', 'spamgourmet.com', 'mailnesia.com',
  'tempr.email', 'discard.email', 'mytemp.email', 'burnermail.io', 'mailcatch.com', 'inboxkitten.com', 'moakt.com',
]);

/** RFC 2606 / 6761 names that never receive real mail (`.test` is left to DNS, so tests can inject a resolver that knows it). */
const RESERVED = /(^|\.)(invalid|localhost|example|example\.com|example\.org|example\.net|local)$/i;

// DNS codes meaning "this name has no such record" (as opposed to: we could not ask).
const NO_RECORD = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'ENONAME']);

export interface EmailVerifier {
  verify(email: string): Promise<Verdict>;
}

/**
 * A DNS failure on our side (timeout, no resolver, offline) does not refuse the lead: it enters as
 * `unverified` rather than being lost. Only a definite "no such domain / no mail host" refuses.
 */
export function createEmailVerifier(opts: { resolver?: DomainResolver; ttlMs?: number; disposable?: ReadonlySet<string>; canary?: string } = {}): EmailVerifier {
  const resolver: DomainResolver = opts.resolver ?? dns;
  const ttl = opts.ttlMs ?? 10 * 60_000;
  const disposable = opts.disposable ?? DISPOSABLE_DOMAINS;
  const cache = new Map<string, { at: number; verdict: Promise<Verdict> }>();
  // Some offline or filtered resolvers answer "not found" for every name. Before refusing a lead
  // for a missing domain, make sure a domain that surely takes mail resolves (checked once per TTL).
  const canary = opts.canary ?? 'gmail.com';
  let dnsWorks: { at: number; ok: Promise<boolean> } | undefined;
  const resolverWorks = (): Promise<boolean> => {
    if (!dnsWorks || Date.now() - dnsWorks.at > ttl) dnsWorks = { at: Date.now(), ok: resolver.resolveMx(canary).then((r) => r.length > 0, () => false) };
    return dnsWorks.ok;
  };

  const lookup = async (domain: string): Promise<Verdict> => {
    const code = (e: unknown): string => String((e as { code?: string }).code ?? '');
    try {
      const mx = await resolver.resolveMx(domain);
      // A null MX (RFC 7505: one record with exchange ".") says the domain takes no mail.
      if (mx.length === 1 && (mx[0].exchange === '' || mx[0].exchange === '.')) return { ok: false, reason: `domain ${domain} accepts no mail (null MX)` };
      if (mx.length) return { ok: true, checked: 'mx' };
    } catch (e) {
      if (!NO_RECORD.has(code(e))) return { ok: true, checked: 'unverified' };
    }
    for (const q of [resolver.resolve4.bind(resolver), resolver.resolve6.bind(resolver)]) {
      try {
        if ((await q(domain)).length) return { ok: true, checked: 'a' };
      } catch (e) {
        if (!NO_RECORD.has(code(e))) return { ok: true, checked: 'unverified' };
      }
    }
    if (!(await resolverWorks())) return { ok: true, checked: 'unverified' };
    return { ok: false, reason: `domain ${domain} does not exist or has no mail server` };
  };

  return {
    async verify(email) {
      const at = email.lastIndexOf('@');
      const domain = email.slice(at + 1).trim().toLowerCase().replace(/\.$/, '');
      if (at < 1 || !domain.includes('.')) return { ok: false, reason: 'must be an e-mail address with a domain' };
      if (RESERVED.test(domain)) return { ok: false, reason: `domain ${domain} is reserved and receives no mail` };
      if (disposable.has(domain) || [...domain.split('.').keys()].some((i) => disposable.has(domain.split('.').slice(i).join('.')))) {
        return { ok: false, reason: `disposable mailbox domain ${domain} is not accepted` };
      }
      const hit = cache.get(domain);
      if (hit && Date.now() - hit.at < ttl) return hit.verdict;
      const verdict = lookup(domain);
      cache.set(domain, { at: Date.now(), verdict });
      if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
      return verdict;
    },
  };
}
