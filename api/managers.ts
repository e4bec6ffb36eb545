// The manager API (admin keys only): sales managers, their capacity, working hours and timezone,
// languages and regions, tier and conversion rate, and out-of-office periods. Managers are never
// deleted (assignments and clients keep pointing at them): DELETE deactivates. Whenever a change can
// free capacity (a new manager, more capacity, back from absence, reactivated), the longest-waiting
// queued leads that manager can take are woken to route at once (activities/sales/routing.ts). Managers'
// tasks (re-contact, activities/sales/tasks.ts) are listed and closed here too.
import type { FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { isUniqueViolation, type Db } from '../domain/db';
import { isAway, signalThroughTemporal, wakeQueuedLeads } from '../domain/sales/routing';
import { TASK_STATUSES, closeTask, listManagerTasks, signalTaskClosed } from '../domain/sales/tasks';
import type { Manager, Task } from '../generated/prisma/client';
import { guarded } from './auth';
import { errorBody, type ApiPlugin } from './server';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00-23:59)');
export const workingHoursSchema = z
  .object({
    /** ISO weekdays, 1 = Monday. */
    days: z.array(z.number().int().min(1).max(7)).min(1).max(7).refine((d) => new Set(d).size === d.length, 'days must not repeat'),
    start: hhmm,
    end: hhmm,
  })
  .strict()
  .refine((w) => w.start < w.end, { path: ['end'], message: 'must be after start' });
export const outOfOfficeSchema = z
  .object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }), note: z.string().max(200).optional() })
  .strict()
  .refine((p) => Date.parse(p.from) < Date.parse(p.to), { path: ['to'], message: 'must be after from' });

const fields = {
  name: z.string().trim().min(1).max(200),
  email: z.email('must be an e-mail address').max(254),
  languages: z.array(z.string().regex(/^[a-z]{2,3}$/, 'must be a lower-case ISO 639 code like pl')).max(30),
  regions: z.array(z.string().regex(/^[A-Z]{2}$/, 'must be an upper-case ISO 3166 country code like PL')).max(250),
  /** 1 = best; hot leads go to tier 1 first. */
  tier: z.number().int().min(1).max(5),
  /** Measured share of won leads, 0..1: orders managers within a tier for hot leads. */
  conversionRate: z.number().min(0).max(1),
  /** Max open leads (offered or accepted). */
  capacity: z.number().int().min(0).max(10_000),
  timezone: z.string().max(64).refine((tz) => IANAZone.isValidZone(tz), 'must be an IANA timezone like Europe/Warsaw'),
  /** Language (and region) of the mails and pages the manager gets: deadlines are written in it; untranslated words fall back to English. */
  locale: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a language code like pl or en-GB'),
  workingHours: workingHoursSchema,
  outOfOffice: z.array(outOfOfficeSchema).max(100),
  /** Gets SLA escalations, never leads. */
  isHeadOfSales: z.boolean(),
  active: z.boolean(),
};
const createSchema = z
  .object({
    ...fields,
    languages: fields.languages.optional(),
    regions: fields.regions.optional(),
    tier: fields.tier.optional(),
    conversionRate: fields.conversionRate.optional(),
    capacity: fields.capacity.optional(),
    timezone: fields.timezone.optional(),
    locale: fields.locale.optional(),
    workingHours: fields.workingHours.optional(),
    outOfOffice: fields.outOfOffice.optional(),
    isHeadOfSales: fields.isHeadOfSales.optional(),
    active: fields.active.optional(),
  })
  .strict();
const updateSchema = z
  .object(fields)
  .partial()
  .strict()
  .refine((u) => Object.keys(u).length > 0, 'nothing to change');
const DEFAULTS = { languages: [], regions: [], tier: 2, conversionRate: 0, capacity: 10, timezone: 'UTC', locale: 'en', workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }, outOfOffice: [], isHeadOfSales: false, active: true };

const params = z.object({ id: z.string().min(1).max(100) });

const managerView = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  languages: z.array(z.string()),
  regions: z.array(z.string()),
  tier: z.number(),
  conversionRate: z.number(),
  capacity: z.number(),
  openLeads: z.number(),
  freeSlots: z.number(),
  timezone: z.string(),
  locale: z.string(),
  workingHours: z.object({ days: z.array(z.number()), start: z.string(), end: z.string() }),
  outOfOffice: z.array(z.object({ from: z.string(), to: z.string(), note: z.string().optional() })),
  isHeadOfSales: z.boolean(),
  active: z.boolean(),
  /** Inactive or in an out-of-office period right now. */
  away: z.boolean(),
  lastAssignedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** After a change: the queued leads woken to route to this manager now. */
  wokenLeads: z.array(z.string()).optional(),
});
type ManagerView = z.infer<typeof managerView>;

/** A manager as the API shows it: the row, its free slots and whether they are away right now. */
function view(m: Manager, at = new Date()): ManagerView {
  // The JSON columns were validated by this API (or the seed) on the way in.
  const json = <T>(v: unknown, fallback: T): T => (v ?? fallback) as T;
  return {
    id: m.id,
    name: m.name,
    email: m.email,
    languages: json(m.languages, []),
    regions: json(m.regions, []),
    tier: m.tier,
    conversionRate: m.conversionRate,
    capacity: m.capacity,
    openLeads: m.openLeads,
    freeSlots: Math.max(0, m.capacity - m.openLeads),
    timezone: m.timezone,
    locale: m.locale,
    workingHours: json(m.workingHours, DEFAULTS.workingHours),
    outOfOffice: json(m.outOfOffice, []),
    isHeadOfSales: m.isHeadOfSales,
    active: m.active,
    away: isAway(m, at),
    lastAssignedAt: m.lastAssignedAt?.toISOString() ?? null,
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
  };
}

/** A manager's task (re-contact): what it is about and everything gathered for the call. */
const taskView = z.object({
  id: z.string(),
  kind: z.string(),
  leadId: z.string(),
  managerId: z.string().nullable(),
  status: z.enum(TASK_STATUSES),
  title: z.string(),
  details: z.record(z.string(), z.unknown()),
  dueAt: z.string().nullable(),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
});
const taskOut = (t: Task): z.infer<typeof taskView> => ({
  id: t.id,
  kind: t.kind,
  leadId: t.leadId,
  managerId: t.managerId,
  // Written only by activities/sales/tasks.ts, which keeps status within TASK_STATUSES.
  status: t.status as z.infer<typeof taskView>['status'],
  title: t.title,
  details: (t.details ?? {}) as Record<string, unknown>,
  dueAt: t.dueAt?.toISOString() ?? null,
  createdAt: t.createdAt.toISOString(),
  closedAt: t.closedAt?.toISOString() ?? null,
});
const closeBody = z.object({ status: z.enum(['done', 'cancelled']) }).strict();

export const managersPlugin: ApiPlugin = async (plain, deps) => {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  const admin = guarded(deps, 'admin');
  const wake = async (m: Manager, reason: string): Promise<string[]> => {
    // The change is committed; a Temporal hiccup must not turn it into an error (the queue's retry
    // timer still routes those leads).
    try {
      return await wakeQueuedLeads(deps.db, signalThroughTemporal(deps.temporal), m.id, reason);
    } catch (e) {
      app.log.warn({ managerId: m.id, error: (e as Error).message }, 'waking queued leads failed');
      return [];
    }
  };
  const conflict = (reply: FastifyReply) => reply.code(409).send({ error: 'a manager with this e-mail exists', errors: [{ field: 'email', message: 'already used' }] });
  const find = (db: Db, id: string) => db.manager.findUnique({ where: { id } });

  app.get('/managers', { ...admin, schema: { summary: 'List managers with their load', querystring: z.object({ active: z.enum(['true', 'false']).optional() }).strict(), response: { 200: z.object({ managers: z.array(managerView) }) } } }, async (req) => {
    const q = req.query.active;
    const rows = await deps.db.manager.findMany({ where: q ? { active: q === 'true' } : {}, orderBy: [{ tier: 'asc' }, { name: 'asc' }] });
    return { managers: rows.map((m) => view(m)) };
  });

  app.get('/managers/:id', { ...admin, schema: { summary: 'One manager', params, response: { 200: managerView, 404: errorBody } } }, async (req, reply) => {
    const m = await find(deps.db, req.params.id);
    return m ? view(m) : reply.code(404).send({ error: 'manager not found' });
  });

  app.post('/managers', { ...admin, schema: { summary: 'Add a manager', body: createSchema, response: { 201: managerView, 400: errorBody, 409: errorBody } } }, async (req, reply) => {
    const body = { ...DEFAULTS, ...req.body, email: req.body.email.toLowerCase() };
    try {
      const m = await deps.db.manager.create({ data: body });
      return reply.code(201).send({ ...view(m), wokenLeads: await wake(m, `manager ${m.name} added`) });
    } catch (e) {
      if (isUniqueViolation(e)) return conflict(reply);
      throw e;
    }
  });

  app.patch('/managers/:id', { ...admin, schema: { summary: 'Change a manager (capacity, hours, absences, tier, ...)', params, body: updateSchema, response: { 200: managerView, 400: errorBody, 404: errorBody, 409: errorBody } } }, async (req, reply) => {
    const data = { ...req.body, ...(req.body.email ? { email: req.body.email.toLowerCase() } : {}) };
    try {
      const m = await deps.db.manager.update({ where: { id: req.params.id }, data });
      return { ...view(m), wokenLeads: await wake(m, `manager ${m.name} changed (${Object.keys(req.body).join(', ')})`) };
    } catch (e) {
      if (isUniqueViolation(e)) return conflict(reply);
      if ((e as { code?: string }).code === 'P2025') return reply.code(404).send({ error: 'manager not found' });
      throw e;
    }
  });

  app.delete('/managers/:id', { ...admin, schema: { summary: 'Deactivate a manager (gets no new leads; history kept)', params, response: { 200: managerView, 404: errorBody } } }, async (req, reply) => {
    const r = await deps.db.manager.updateMany({ where: { id: req.params.id }, data: { active: false } });
    if (!r.count) return reply.code(404).send({ error: 'manager not found' });
    // Offers the manager has not accepted yet run into their SLA and are re-routed then.
    return view((await find(deps.db, req.params.id))!);
  });

  app.get(
    '/managers/:id/tasks',
    { ...admin, schema: { summary: "A manager's tasks (re-contact), oldest due first", params, querystring: z.object({ status: z.enum(TASK_STATUSES).optional() }).strict(), response: { 200: z.object({ tasks: z.array(taskView) }), 400: errorBody, 404: errorBody } } },
    async (req, reply) => {
      const tasks = await listManagerTasks(deps.db, req.params.id, req.query.status);
      return tasks ? { tasks: tasks.map(taskOut) } : reply.code(404).send({ error: 'manager not found' });
    },
  );

  app.post(
    '/tasks/:id/close',
    { ...admin, schema: { summary: 'Close a task: done (called) or cancelled', params, body: closeBody, response: { 200: taskView, 400: errorBody, 404: errorBody, 409: errorBody } } },
    async (req, reply) => {
      const r = await closeTask(deps.db, req.params.id, req.body.status);
      if (r.closed) {
        // The close is committed; a Temporal hiccup only leaves the lead still preferring this manager.
        await signalTaskClosed(deps.db, deps.temporal, r.task, req.body.status).catch((e: Error) => app.log.warn({ taskId: r.task.id, error: e.message }, 'telling the lead its task closed failed'));
        return taskOut(r.task);
      }
      if (r.reason === 'not_found') return reply.code(404).send({ error: 'task not found' });
      return reply.code(409).send({ error: `task already ${r.task.status}`, errors: [{ field: 'status', message: `already ${r.task.status}` }] });
    },
  );

  app.post(
    '/managers/:id/out-of-office',
    { ...admin, schema: { summary: 'Add an out-of-office period (the manager gets no leads during it)', params, body: outOfOfficeSchema, response: { 201: managerView, 400: errorBody, 404: errorBody } } },
    async (req, reply) => {
      const m = await find(deps.db, req.params.id);
      if (!m) return reply.code(404).send({ error: 'manager not found' });
      // Periods that ended are dropped on the way: the list stays short.
      const now = Date.now();
      const kept = (Array.isArray(m.outOfOffice) ? (m.outOfOffice as { to: string }[]) : []).filter((p) => Date.parse(p.to) > now);
      const updated = await deps.db.manager.update({ where: { id: m.id }, data: { outOfOffice: [...kept, req.body] } });
      return reply.code(201).send(view(updated));
    },
  );
};
