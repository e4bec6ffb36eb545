// The HTTP API: fastify with zod-typed routes. Features plug in as fastify plugins (intake, links,
// managers, survey, KPIs) from their own files; this file holds only what every route shares.
import type { Client } from '@temporalio/client';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest, type FastifySchema, type RouteOptions } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler as zodValidatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../domain/db';
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextPath } from '../domain/storable-text';
import type { ApiConfig } from '../runtime/config';
import type { SmtpSink } from '../dev/smtp-sink';
import { GUARD, guarded } from './auth';
import { createLimits, LINK_LIMITED } from './limits';

export interface ApiDeps {
  db: Db;
  temporal: Client;
  config: ApiConfig;
  sink?: SmtpSink;
}

export type ApiPlugin = FastifyPluginAsync<ApiDeps>;

/** Every error reply of the API (the error handler below and the routes' own refusals). */
export const errorBody = z.object({ error: z.string(), errors: z.array(z.object({ field: z.string(), message: z.string() })).optional() });
/** A response that is an HTML page (signed-link pages, KPI report, mail sink). */
export const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });

class BodyError extends Error {
  readonly statusCode = 400;
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** The path of the first `__proto__` or `constructor.prototype` key in parsed JSON, else null. */
function pollutingKey(v: unknown, at: string[] = []): string | null {
  if (v === null || typeof v !== 'object') return null;
  for (const [k, child] of Object.entries(v)) {
    if (k === '__proto__') return [...at, k].join('.');
    if (k === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) return [...at, k, 'prototype'].join('.');
    const found = pollutingKey(child, [...at, k]);
    if (found) return found;
  }
  return null;
}

/**
 * JSON bodies: like fastify's own parser (which refuses prototype-polluting keys too), but the 400
 * names the key, and broken JSON says where; fastify's says only "Body is not valid JSON".
 */
function parseJsonBody(_req: FastifyRequest, text: string, done: (err: Error | null, body?: unknown) => void): void {
  if (text === '') return done(new BodyError('the body is empty; send a JSON document', '(body)'));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return done(new BodyError(`the body is not valid JSON (${(e as Error).message})`, '(body)'));
  }
  const key = pollutingKey(body);
  if (key) return done(new BodyError(`key ${key} is not allowed (it would change object prototypes)`, key));
  done(null, body);
}

/**
 * The routes' zod schemas, then one check for every route, body, query and parameters alike: no
 * string the database cannot store (domain/storable-text.ts), named by its field like zod's errors.
 */
const validatorCompiler: typeof zodValidatorCompiler = (route) => {
  const validate = zodValidatorCompiler(route);
  return (data) => {
    const result = validate(data);
    // fastify-type-provider-zod answers synchronously with { value } or { error }.
    if (typeof result !== 'object' || 'then' in result || result.error) return result;
    const at = unstorableTextPath(result.value);
    if (!at) return result;
    return { error: [{ keyword: 'custom', instancePath: `/${at.join('/')}`, schemaPath: '#', params: {}, message: UNSTORABLE_TEXT_MESSAGE }] };
  };
};

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

/**
 * Makes the OpenAPI document tell the truth without each route repeating it: API-key security and
 * 401/403/429 on guarded routes only, 400/413/415 where a body is read, 400 where params or a query
 * are validated, 429 on signed-link routes. JSON routes refuse other content types with 415 (the
 * JSON body never reaches the schema as a string, which read as "every field missing").
 */
function documentRoute(route: RouteOptions): void {
  const hooks = [route.onRequest ?? []].flat() as unknown as Record<symbol, unknown>[];
  const isGuarded = hooks.some((h) => h[GUARD]);
  const isLink = hooks.some((h) => h[LINK_LIMITED]);
  const schema = (route.schema ?? {}) as FastifySchema & { response?: Record<string, unknown> };
  const extra: Record<string, unknown> = {};
  if (schema.params || schema.querystring) extra[400] = errorBody;
  if (schema.body) {
    Object.assign(extra, { 400: errorBody, 413: errorBody, 415: errorBody });
    const check = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
      // No Content-Type (and so no body) is left to the schema: "body required" is the clearer 400.
      const type = req.headers['content-type'];
      if (type !== undefined && !JSON_TYPE.test(type)) await reply.code(415).send({ error: `Content-Type must be application/json (got ${type})` });
    };
    route.preValidation = [check, ...[route.preValidation ?? []].flat()] as RouteOptions['preValidation'];
  }
  if (isGuarded) Object.assign(extra, { 401: errorBody, 403: errorBody, 429: errorBody });
  if (isLink) extra[429] = htmlPage('Too many requests with this link');
  route.schema = { ...schema, ...(isGuarded ? { security: [{ apiKey: [] }] } : {}), response: { ...extra, ...schema.response } };
}

export async function buildApi(deps: ApiDeps, plugins: ApiPlugin[] = []): Promise<FastifyInstance> {
  // Signed link tokens (click redirects carry the target URL) exceed fastify's 100-char param default.
  // Parameters are capped by their schemas (tokens: 4,000 characters); the router and Node get room
  // for any string the schemas describe (astral characters count twice in the router, and take 12
  // bytes percent-encoded against Node's 16 KB header default), so a bad one gets the documented
  // 400, not a bare 414 or 431.
  // X-Forwarded-For counts only when the peer is a configured proxy: otherwise any client could name
  // a fresh address per request and dodge the per-address limit.
  const trustProxy = deps.config.API_TRUSTED_PROXIES?.length ? deps.config.API_TRUSTED_PROXIES : false;
  const app = Fastify({ logger: false, trustProxy, bodyLimit: 256 * 1024, routerOptions: { maxParamLength: 16 * 1024 }, http: { maxHeaderSize: 64 * 1024 } }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
  app.addHook('onRoute', documentRoute);
  app.setErrorHandler((err, _req, reply) => {
    const e = err as { validation?: { instancePath?: string; message?: string; params?: { issue?: { path?: (string | number)[] }; keys?: string[] } }[]; statusCode?: number; message: string };
    if (err instanceof BodyError) return reply.code(400).send({ error: 'invalid request', errors: [{ field: err.field, message: err.message }] });
    if (e.validation) {
      // An unknown key (strict objects) is named by the key itself, not only by its parent's path.
      const errors = e.validation.map((v) => ({ field: [...(v.params?.issue?.path ?? v.instancePath?.split('/').filter(Boolean) ?? []), ...(v.params?.keys?.length ? [v.params.keys.join(',')] : [])].join('.'), message: v.message ?? 'invalid' }));
      return reply.code(400).send({ error: 'invalid request', errors });
    }
    const status = e.statusCode && e.statusCode >= 400 ? e.statusCode : 500;
    return reply.code(status).send({ error: status === 500 ? 'internal error' : e.message });
  });

  // No global limit: guarded routes limit per address and per key (./auth), link routes per token (./limits).
  await app.register(rateLimit, { global: false });
  app.decorate('apiLimits', createLimits(app, deps.config));
  // Registered before every feature plugin, so the document covers all their routes (from the same zod schemas).
  await app.register(swagger, {
    openapi: {
      info: { title: 'leadflow API', version: '1', description: 'Lead intake, events, inbound mail, GDPR, managers, KPIs. Send an API key as `Authorization: Bearer <key>` or `X-Api-Key`; signed-link routes are public.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  app.get('/openapi.json', { ...guarded(deps, 'intake'), schema: { hide: true } }, async () => app.swagger());

  const health = z.object({ status: z.enum(['ok', 'degraded']), checks: z.record(z.string(), z.string()) });
  app.get('/health', { schema: { summary: 'Database and Temporal reachable', response: { 200: health, 503: health } } }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    try {
      await deps.db.$queryRawUnsafe('SELECT 1');
      checks.database = 'ok';
    } catch (e) {
      checks.database = `error: ${(e as Error).message}`;
    }
    try {
      await deps.temporal.workflowService.getSystemInfo({});
      checks.temporal = 'ok';
    } catch (e) {
      checks.temporal = `error: ${(e as Error).message}`;
    }
    const ok = Object.values(checks).every((v) => v === 'ok');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', checks });
  });

  for (const plugin of plugins) await app.register(plugin, deps);
  return app;
}
