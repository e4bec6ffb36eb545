// The HTTP API: fastify with zod-typed routes. Features plug in as fastify plugins (intake, links,
// managers, survey, KPIs) from their own files; this file holds only what every route shares.
import type { Client } from '@temporalio/client';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Db } from '../../activities/db';
import type { ApiConfig } from '../config';
import type { SmtpSink } from '../smtp-sink';
import { guarded } from './auth';

export interface ApiDeps {
  db: Db;
  temporal: Client;
  config: ApiConfig;
  sink?: SmtpSink;
}

export type ApiPlugin = FastifyPluginAsync<ApiDeps>;

export async function buildApi(deps: ApiDeps, plugins: ApiPlugin[] = []): Promise<FastifyInstance> {
  // Signed link tokens (click redirects carry the target URL) exceed fastify's 100-char param default.
  const app = Fastify({ logger: false, bodyLimit: 256 * 1024, routerOptions: { maxParamLength: 4096 } }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err, _req, reply) => {
    const e = err as { validation?: { instancePath?: string; message?: string; params?: { issue?: { path?: (string | number)[] }; keys?: string[] } }[]; statusCode?: number; message: string };
    if (e.validation) {
      // An unknown key (strict objects) is named by the key itself, not only by its parent's path.
      const errors = e.validation.map((v) => ({ field: [...(v.params?.issue?.path ?? v.instancePath?.split('/').filter(Boolean) ?? []), ...(v.params?.keys?.length ? [v.params.keys.join(',')] : [])].join('.'), message: v.message ?? 'invalid' }));
      return reply.code(400).send({ error: 'invalid request', errors });
    }
    const status = e.statusCode && e.statusCode >= 400 ? e.statusCode : 500;
    return reply.code(status).send({ error: status === 500 ? 'internal error' : e.message });
  });

  // Per-route limits only (see guarded() in ./auth): signed-link routes and /health stay unlimited.
  await app.register(rateLimit, { global: false });
  // Registered before every feature plugin, so the document covers all their routes (from the same zod schemas).
  await app.register(swagger, {
    openapi: {
      info: { title: 'leadflow API', version: '1', description: 'Lead intake, events, inbound mail, GDPR, managers, KPIs. Send an API key as `Authorization: Bearer <key>` or `X-Api-Key`; signed-link routes are public.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.get('/openapi.json', { ...guarded(deps, 'intake'), schema: { hide: true } }, async () => app.swagger());

  app.get('/health', async (_req, reply) => {
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
