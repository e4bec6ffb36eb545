// Sequence routes (admin keys, like the KPI routes): GET /sequences (every sequence with its figures,
// HTML), GET /sequences/:id (its picture with the counts on it and its statistics, HTML),
// GET /sequences/:id/stats (JSON) and GET /sequences/:id/svg (the picture alone). The query is
// validated by zod: a bad value is a 400 naming the field; an unknown sequence or version is a 404.
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sequenceModules } from '../content/sequences';
import { sequenceSvg } from '../domain/content/sequence-graph';
import { renderSequenceIndex, renderSequencePage } from './sequence-page';
import { computeSequenceStats, sequenceIdSchema, sequencePageQuerySchema, sequenceStatsQuerySchema, sequenceVersions, STATS_QUERY_KEYS } from '../domain/kpi/sequence-stats';
import { guarded } from './auth';
import { errorBody, htmlPage, type ApiPlugin } from './server';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
const params = z.object({ id: sequenceIdSchema });

/** The validated query as the user wrote it (range, within, metric), for the pages' links. */
const carried = (url: string): string => {
  const given = new URLSearchParams(url.split('?')[1] ?? '');
  const s = new URLSearchParams([...given.entries()].filter(([k]) => STATS_QUERY_KEYS.includes(k))).toString();
  return s ? `?${s}` : '';
};

export const sequencesPlugin: ApiPlugin = async (plain, deps) => {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  const admin = guarded(deps, 'admin');

  app.get('/sequences', { ...admin, schema: { summary: 'Every sequence with its figures for the range (HTML)', querystring: sequenceStatsQuerySchema, response: { 200: htmlPage('The sequences page') } } }, async (req, reply) => {
    const items = await Promise.all(sequenceModules.map(async (m) => ({ def: m.current, stats: await computeSequenceStats(deps.db, m.current.id, req.query) })));
    return reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).send(renderSequenceIndex(items, carried(req.url)));
  });

  app.get(
    '/sequences/:id',
    { ...admin, schema: { summary: "A sequence's picture with its statistics (HTML)", params, querystring: sequencePageQuerySchema, response: { 200: htmlPage('The sequence page'), 404: errorBody } } },
    async (req, reply) => {
      const defs = await sequenceVersions(deps.db, req.params.id);
      if (!defs.length) return reply.code(404).send({ error: `no sequence "${req.params.id}"` });
      const def = req.query.version === undefined ? defs[0] : defs.find((d) => d.version === req.query.version);
      if (!def) return reply.code(404).send({ error: `${req.params.id} has no version ${req.query.version}` });
      const s = await computeSequenceStats(deps.db, def.id, req.query);
      return reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).send(renderSequencePage(def, s, defs.map((d) => d.version), carried(req.url)));
    },
  );

  app.get(
    '/sequences/:id/stats',
    {
      ...admin,
      schema: {
        summary: "A sequence's statistics per version, step, template, locale and A/B variant, with each split's verdict (JSON)",
        params,
        querystring: sequenceStatsQuerySchema,
        response: { 200: z.record(z.string(), z.unknown()), 404: errorBody },
      },
    },
    async (req, reply) => {
      if (!(await sequenceVersions(deps.db, req.params.id)).length) return reply.code(404).send({ error: `no sequence "${req.params.id}"` });
      return { ...(await computeSequenceStats(deps.db, req.params.id, req.query)) };
    },
  );

  app.get(
    '/sequences/:id/svg',
    {
      ...admin,
      schema: { summary: "A sequence's picture with its counts (SVG)", params, querystring: sequencePageQuerySchema, response: { 200: { description: 'SVG', content: { 'image/svg+xml': { schema: z.string() } } }, 404: errorBody } },
    },
    async (req, reply) => {
      const defs = await sequenceVersions(deps.db, req.params.id);
      const def = req.query.version === undefined ? defs[0] : defs.find((d) => d.version === req.query.version);
      if (!def) return reply.code(404).send({ error: defs.length ? `${req.params.id} has no version ${req.query.version}` : `no sequence "${req.params.id}"` });
      return reply.type('image/svg+xml').header('content-security-policy', CSP).send(sequenceSvg(def, await computeSequenceStats(deps.db, def.id, req.query)));
    },
  );
};
