// KPI routes (admin keys only): GET /kpi (the report as JSON) and GET /kpi/report (the same report
// as an HTML page with charts). `from`/`to` are validated by the report's own schema: a bad value
// is a 400 naming the field.
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { computeKpis, kpiRangeSchema } from '../domain/kpi/report';
import { renderKpiPage } from './kpi-page';
import { guarded } from './auth';
import { htmlPage, type ApiPlugin } from './server';

export const kpiPlugin: ApiPlugin = async (plain, deps) => {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  const opts = { ...guarded(deps, 'admin'), schema: { querystring: kpiRangeSchema } };
  app.get('/kpi', { ...opts, schema: { ...opts.schema, summary: 'The KPI report as JSON', response: { 200: z.record(z.string(), z.unknown()) } } }, async (req) => ({ ...(await computeKpis(deps.db, req.query)) }));
  app.get('/kpi/report', { ...opts, schema: { ...opts.schema, summary: 'The KPI report as a page with charts', response: { 200: htmlPage('The report') } } }, async (req, reply) => {
    const report = await computeKpis(deps.db, req.query);
    return reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:").send(renderKpiPage(report));
  });
};
