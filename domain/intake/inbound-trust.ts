// Whether the From of an inbound mail can be believed. Anyone can write any From; only two things
// vouch for it: our receiving MTA's verdict (an `Authentication-Results` header with our authserv-id
// saying dmarc=pass for the From's domain, RFC 8601 / RFC 7489), or delivery by a relay we run that
// checked it itself (its address on the allow-list). Only the topmost Authentication-Results is read:
// our MTA prepends its own, and a sender can put any number of forged ones below it.
import type { ParsedMail } from 'mailparser';

export interface InboundTrustConfig {
  /** The authserv-id our MTA writes (e.g. mx.example.com); unset = MTA verdicts are not used. */
  authservId?: string;
  /** Relays (IP addresses) that deliver only mail they authenticated. */
  trustedRelays?: readonly string[];
}

export type Trust = { verified: true; by: 'relay' | 'dmarc' } | { verified: false; reason: string };

/** One header's text without its name, folding and RFC 5322 comments. */
const unfold = (line: string): string =>
  line
    .replace(/^[^:]*:/, '')
    .replace(/\r?\n[ \t]+/g, ' ')
    .replace(/\([^()]*\)/g, ' ')
    .trim();

/** The results of one Authentication-Results header: its authserv-id and, per method, result and properties. */
export function parseAuthResults(line: string): { authservId: string; results: { method: string; result: string; props: Record<string, string> }[] } {
  const [head, ...rest] = unfold(line).split(';');
  const authservId = (head ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const results = rest
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => {
      const [first, ...props] = r.split(/\s+/);
      const [method, result] = (first ?? '').toLowerCase().split('=');
      return { method: method ?? '', result: result ?? '', props: Object.fromEntries(props.map((p) => p.split('=')).filter((kv) => kv.length === 2).map(([k, v]) => [k!.toLowerCase(), v!.toLowerCase()])) };
    });
  return { authservId, results };
}

export function judgeInbound(mail: Pick<ParsedMail, 'headerLines'>, fromAddress: string, remoteIp: string, cfg: InboundTrustConfig): Trust {
  if (cfg.trustedRelays?.includes(remoteIp)) return { verified: true, by: 'relay' };
  if (!cfg.authservId) return { verified: false, reason: 'no trusted relay and no INBOUND_AUTHSERV_ID configured' };
  const top = mail.headerLines.find((h) => h.key === 'authentication-results');
  if (!top) return { verified: false, reason: 'no Authentication-Results header' };
  const ar = parseAuthResults(top.line);
  if (ar.authservId !== cfg.authservId.toLowerCase()) return { verified: false, reason: `the topmost Authentication-Results is from ${ar.authservId || '?'}, not ${cfg.authservId}` };
  const domain = fromAddress.split('@').pop()!.toLowerCase();
  const dmarc = ar.results.find((r) => r.method === 'dmarc');
  if (!dmarc || dmarc.result !== 'pass') return { verified: false, reason: `dmarc=${dmarc?.result ?? 'none'}` };
  if (dmarc.props['header.from'] && dmarc.props['header.from'] !== domain) return { verified: false, reason: `dmarc passed for ${dmarc.props['header.from']}, not ${domain}` };
  return { verified: true, by: 'dmarc' };
}
