// The routing activities: routeLead takes a manager's slot for a lead (or queues it), closeAssignment
// frees it and wakes the queued leads that manager could take. The rules are in domain/sales/routing.ts.
import { Context } from '@temporalio/activity';
import type { LeadActivities, RouteLeadRequest, RouteLeadResult } from '../../workflows/activity-contract';
import type { Db } from '../../domain/db';
import { addWorkingMinutes, asHours, rankManagers, signalThroughTemporal, SLA_WORKING_MINUTES, wakeQueuedLeads, type CapacitySignaller } from '../../domain/sales/routing';

export function createRoutingActivities(deps: { db: Db; signal?: CapacitySignaller }): Pick<LeadActivities, 'routeLead' | 'closeAssignment'> & { resolveRecipient(to: string): Promise<string | null> } {
  const { db } = deps;
  // Inside a worker the activity context carries the worker's client and logger; called elsewhere
  // (scripts, tests) there is none, and the workflow's retry still routes the queue.
  const context = (): Context | null => {
    try {
      return Context.current();
    } catch {
      return null;
    }
  };
  const signaller = (): CapacitySignaller | null => deps.signal ?? (context() ? signalThroughTemporal(context()!.client) : null);
  return {
    async routeLead(req: RouteLeadRequest): Promise<RouteLeadResult> {
      const at = new Date(req.now);
      // Idempotent under activity retries: an open offer for this lead is the answer.
      const open = await db.assignment.findFirst({ where: { leadId: req.leadId, status: 'offered' }, include: { manager: true } });
      if (open) return { assigned: true, managerId: open.managerId, managerEmail: open.manager.email, assignmentId: open.id, reason: open.reason ?? '', slaDueAt: (open.dueAt ?? at).toISOString() };
      const candidates = await db.manager.findMany({ where: { active: true } });
      const ranked = rankManagers(candidates, req, at);
      // The manager holding the lead's re-contact task first (when eligible): one contact, not two.
      const held = ranked.findIndex((r) => r.manager.id === req.prefer);
      if (held >= 0) {
        const [h] = ranked.splice(held, 1);
        ranked.unshift({ ...h, why: `holds the lead's re-contact task; ${h.why}` });
      }
      for (const { manager, why } of ranked) {
        const dueAt = addWorkingMinutes(at, SLA_WORKING_MINUTES[req.temperature], asHours(manager.workingHours), manager.timezone);
        const assignment = await db.$transaction(async (tx) => {
          // Compared with the column, not the value read above: a capacity lowered meanwhile holds too.
          const took = await tx.manager.updateMany({ where: { id: manager.id, active: true, openLeads: { lt: tx.manager.fields.capacity } }, data: { openLeads: { increment: 1 }, lastAssignedAt: at } });
          if (took.count !== 1) return null;
          return tx.assignment.create({ data: { leadId: req.leadId, managerId: manager.id, status: 'offered', reason: why, assignedAt: at, dueAt } });
        });
        if (assignment) return { assigned: true, managerId: manager.id, managerEmail: manager.email, assignmentId: assignment.id, reason: why, slaDueAt: dueAt.toISOString() };
      }
      if (ranked.length) return { assigned: false, reason: 'every eligible manager filled up meanwhile' };
      // Say so when only managers who already missed this lead's SLA could take it: the workflow then
      // starts a new round with them rather than waiting for a manager who will never come.
      const triedOnly = req.exclude.length > 0 && rankManagers(candidates, { ...req, exclude: [] }, at).length > 0;
      return triedOnly
        ? { assigned: false, reason: "only managers who already missed this lead's SLA could take it", onlyTried: true }
        : { assigned: false, reason: 'no eligible manager (language, region, capacity, away)' };
    },

    async closeAssignment(id, status) {
      const freed = await db.$transaction(async (tx) => {
        if (status === 'accepted') {
          await tx.assignment.updateMany({ where: { id, status: 'offered' }, data: { status: 'accepted', acceptedAt: new Date() } });
          return null;
        }
        // The status guard makes closing exactly-once, so the load is freed exactly once.
        const a = await tx.assignment.findUnique({ where: { id } });
        if (!a) return null;
        const closed = await tx.assignment.updateMany({ where: { id, status: { in: ['offered', 'accepted'] } }, data: { status, closedAt: new Date() } });
        if (closed.count !== 1) return null;
        await tx.manager.updateMany({ where: { id: a.managerId, openLeads: { gt: 0 } }, data: { openLeads: { decrement: 1 } } });
        return a.managerId;
      });
      const signal = freed && signaller();
      if (!freed || !signal) return;
      // After the commit, and never failing the close: a retry would find the assignment closed and
      // wake nobody, so a failed wake is only logged (the queue's retry timer still routes).
      await wakeQueuedLeads(db, signal, freed, `assignment ${id} closed (${status})`).catch((e: Error) => (context()?.log ?? console).warn('closeAssignment: waking queued leads failed', { managerId: freed, error: e.message }));
    },

    async resolveRecipient(to) {
      if (to !== 'head-of-sales') return null;
      const head = await db.manager.findFirst({ where: { isHeadOfSales: true, active: true } });
      return head?.email ?? null;
    },
  };
}
