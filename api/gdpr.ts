// GDPR routes (admin keys only): find a lead by e-mail, export its data as JSON, erase it.
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { eraseLead, exportLead } from '../domain/gdpr';
import { normaliseEmail } from '../domain/intake/intake';
import { emailField } from '../domain/intake/lead-input';
import { guarded } from './auth';
import { errorBody, type ApiPlugin } from './server';

const leadParams = z.object({ id: z.string().min(1).max(100) });
const anyObject = z.record(z.string(), z.unknown());

export const gdprPlugin: ApiPlugin = async (plain, deps) => {
  const app = plain.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/leads',
    { ...guarded(deps, 'admin'), schema: { summary: 'Find a lead by e-mail (for access and erasure requests)', querystring: z.object({ email: emailField }).strict(), response: { 200: z.object({ id: z.string(), stage: z.string(), createdAt: z.date() }), 404: errorBody } } },
    async (req, reply) => {
      const lead = await deps.db.lead.findUnique({ where: { email: normaliseEmail(req.query.email) }, select: { id: true, stage: true, createdAt: true } });
      return lead ? reply.send(lead) : reply.code(404).send({ error: 'lead not found' });
    },
  );

  app.get('/leads/:id/export', { ...guarded(deps, 'admin'), schema: { summary: "All of a lead's data as JSON (GDPR access / portability)", params: leadParams, response: { 200: anyObject, 404: errorBody } } }, async (req, reply) => {
    const data = await exportLead(deps.db, req.params.id);
    if (!data) return reply.code(404).send({ error: 'lead not found' });
    return reply.header('content-disposition', `attachment; filename="lead-${req.params.id}.json"`).send(data);
  });

  app.post('/leads/:id/erase', { ...guarded(deps, 'admin'), schema: { summary: 'Erase a lead (GDPR): anonymise, stop its workflow, keep only a suppression hash', params: leadParams, response: { 200: anyObject, 404: errorBody } } }, async (req, reply) => {
    const r = await eraseLead({ db: deps.db, temporal: deps.temporal }, req.params.id, `api key ${req.apiKey?.name ?? '?'}`);
    return r ? reply.send({ ...r }) : reply.code(404).send({ error: 'lead not found' });
  });
};
