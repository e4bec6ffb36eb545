// API keys for the intake and admin routes. Keys are random 32-byte secrets shown once; only their
// SHA-256 is stored, so a database leak does not leak working keys (a fast hash is enough for
// high-entropy secrets: there is nothing to brute-force). Public routes (signed links) never use this.
import { createHash, randomBytes } from 'crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import path from 'path';
import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Db } from '../domain/db';
import type { ApiDeps } from './server';

export const SCOPES = ['intake', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** Creates a key; the plain key is returned once and never stored. */
export async function createApiKey(db: Db, name: string, scopes: Scope[]): Promise<{ id: string; key: string }> {
  if (!name.trim()) throw new Error('name: required');
  if (!scopes.length || scopes.some((s) => !SCOPES.includes(s))) throw new Error(`scopes: one or more of ${SCOPES.join(', ')}`);
  const key = `lf_${randomBytes(32).toString('base64url')}`;
  const row = await db.apiKey.create({ data: { name: name.trim(), keyHash: hashApiKey(key), scopes } });
  return { id: row.id, key };
}

export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  const r = await db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  return r.count === 1;
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-Api-Key: <key>`. */
export function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim() || undefined;
  const x = req.headers['x-api-key'];
  return typeof x === 'string' && x.trim() ? x.trim() : undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key that authenticated this request (set by `guarded`). */
    apiKey?: { id: string; name: string; scopes: Scope[] };
  }
}

const scopesOf = (v: unknown): Scope[] => (Array.isArray(v) ? v.filter((s): s is Scope => SCOPES.includes(s as Scope)) : []);

/** Marks the hook of `guarded`, so the OpenAPI document can tell protected routes (server.ts). */
export const GUARD = Symbol('leadflow.guarded');

const tooMany = (reply: FastifyReply, r: { ttlInSeconds: number }, what: string) =>
  reply.code(429).header('retry-after', String(r.ttlInSeconds)).send({ error: `rate limit exceeded (${what}); retry in ${r.ttlInSeconds} s` });

/**
 * Route options for a protected route: an API key with `scope` ('admin' passes every scope).
 * Use: `app.post('/leads', { ...guarded(deps, 'intake'), schema }, handler)`.
 * Order matters: first a limit per client address (every request counts, so strangers cycling
 * made-up keys are stopped without a database lookup each), then the key, then a limit per key
 * (one noisy integration cannot starve the others). All of it at onRequest, before the body is read
 * or validated: strangers get 401/403/429, never a schema error (the schema is no oracle) and their
 * large bodies are never parsed. The limiters live on the app (`apiLimits`, server.ts).
 */
export function guarded(deps: Pick<ApiDeps, 'db' | 'config'>, scope: Scope): Pick<RouteShorthandOptions, 'onRequest'> {
  const onRequest = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const byIp = await req.server.apiLimits.perIp(req);
    if (!byIp.isAllowed && byIp.isExceeded) {
      await tooMany(reply, byIp, 'per address');
      return;
    }
    const key = presentedKey(req);
    if (!key) {
      await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'API key required (Authorization: Bearer <key> or X-Api-Key)' });
      return;
    }
    const row = await deps.db.apiKey.findUnique({ where: { keyHash: hashApiKey(key) } });
    if (!row || row.revokedAt) {
      await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'API key unknown or revoked' });
      return;
    }
    const scopes = scopesOf(row.scopes);
    if (!scopes.includes(scope) && !scopes.includes('admin')) {
      await reply.code(403).send({ error: `API key lacks the ${scope} scope` });
      return;
    }
    req.apiKey = { id: row.id, name: row.name, scopes };
    const byKey = await req.server.apiLimits.perKey(req);
    if (!byKey.isAllowed && byKey.isExceeded) await tooMany(reply, byKey, 'per API key');
  };
  Object.assign(onRequest, { [GUARD]: true });
  return { onRequest };
}

/**
 * The embedded stack's admin key for local use: created once and kept in the data folder (like the
 * development link secret), so `npm start` can print it. Production keys come from `cli/api-key.ts`.
 */
export async function devApiKey(db: Db, dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'api-key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    const row = await db.apiKey.findUnique({ where: { keyHash: hashApiKey(key) } });
    if (row && !row.revokedAt) return key;
  }
  const { key } = await createApiKey(db, 'local development (npm start)', ['admin']);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}
