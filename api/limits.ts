// Rate limits of the API, on @fastify/rate-limit's stores: per client address before any API-key
// lookup, per API key after it (both in `guarded`, ./auth.ts), and per token on the public
// signed-link routes (`linkLimited`), so one forwarded link cannot add rows and signals without end.
// Link routes have no per-address limit: mail clients' image proxies fetch many people's pixels
// from a few addresses, and a forged token costs one HMAC, no database work.
import { createHash } from 'crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Config } from '../runtime/config';

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
export interface ApiLimits {
  perIp: Limiter;
  perKey: Limiter;
  perLink: Limiter;
}

declare module 'fastify' {
  interface FastifyInstance {
    apiLimits: ApiLimits;
  }
}

const MINUTE = 60_000;

/** The limiters, made once per app (after @fastify/rate-limit is registered). */
export function createLimits(app: FastifyInstance, config: Pick<Config, 'API_RATE_LIMIT_PER_MINUTE' | 'API_RATE_LIMIT_PER_IP_PER_MINUTE' | 'LINK_RATE_LIMIT_PER_MINUTE'>): ApiLimits {
  return {
    perIp: app.createRateLimit({ max: config.API_RATE_LIMIT_PER_IP_PER_MINUTE, timeWindow: MINUTE, keyGenerator: (req) => `ip:${req.ip}` }),
    perKey: app.createRateLimit({ max: config.API_RATE_LIMIT_PER_MINUTE, timeWindow: MINUTE, keyGenerator: (req) => `key:${req.apiKey?.id ?? '?'}` }),
    perLink: app.createRateLimit({ max: config.LINK_RATE_LIMIT_PER_MINUTE, timeWindow: MINUTE, keyGenerator: (req) => `link:${createHash('sha256').update((req.params as { token?: string }).token ?? '').digest('base64url')}` }),
  };
}

/** Marks the hook of `linkLimited`, so the OpenAPI document lists its 429 (server.ts). */
export const LINK_LIMITED = Symbol('leadflow.linkLimited');

const busyPage = (seconds: number): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Too many requests</title></head><body><h1>Too many requests</h1><p>This link was used too often just now. Please try again in ${seconds} seconds.</p></body></html>`;

/** Route options of a public signed-link route (`/:token`): a limit per token. */
export function linkLimited(): Pick<RouteShorthandOptions, 'onRequest'> {
  const onRequest = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const r = await req.server.apiLimits.perLink(req);
    if (!r.isAllowed && r.isExceeded) await reply.code(429).header('retry-after', String(r.ttlInSeconds)).type('text/html').send(busyPage(r.ttlInSeconds));
  };
  Object.assign(onRequest, { [LINK_LIMITED]: true });
  return { onRequest };
}
