// In-memory activities for workflow tests: the same contract as activities/, with the effects kept
// in arrays a test can assert on. Idempotent like the real ones (dedup keys, ledger keys).
import { businessTime } from '../../activities/calendar';
import type {
  HolidayOccurrence,
  LeadActivities,
  LeadEventRecord,
  LeadSnapshot,
  RecontactTaskRequest,
  RouteLeadRequest,
  SendEmailRequest,
  SendEmailResult,
} from '../../workflows/activity-contract';
import type { ClientDeal } from '../../workflows/types';
import { createContentActivities } from '../../activities/content';
import type { ContentStore } from '../../domain/content/catalogue';
import { memoryContentStore } from '../../domain/content/memory-store';
import { publishShipped } from '../../domain/content/shipped';

export interface FakeWorld {
  events: (LeadEventRecord & { leadId: string })[];
  snapshots: (LeadSnapshot & { leadId: string })[];
  mails: SendEmailRequest[];
  clients: { leadId: string; deal: ClientDeal }[];
  assignments: { id: string; leadId: string; managerId: string; status: string }[];
  holidays: HolidayOccurrence[];
  tasks: (RecontactTaskRequest & { taskId: string })[];
  /** Managers routeLead hands out, in order; an empty list queues the lead. */
  managers: { id: string; email: string }[];
  slaMs: number;
  /** Per-call result override for sendEmail (e.g. deferred, bounced). */
  sendOverride?: (req: SendEmailRequest) => SendEmailResult | undefined;
  /** Holds sendEmail until the returned promise settles (a send in flight while messages land). */
  hold?: (req: SendEmailRequest) => Promise<void> | undefined;
  /** Fault injection: an error to throw instead of running the activity (e.g. ApplicationFailure.nonRetryable). */
  fail?: (activity: keyof LeadActivities, args: unknown[]) => Error | undefined;
  /** Published content (the shipped content, published when the world is made); tests publish more. */
  content: ContentStore;
  /** Resolves once the shipped content is published. */
  ready: Promise<unknown>;
  activities: LeadActivities;
}

export function fakeWorld(): FakeWorld {
  const w = {
    events: [],
    snapshots: [],
    mails: [],
    clients: [],
    assignments: [],
    holidays: [],
    tasks: [],
    managers: [{ id: 'm1', email: 'anna@sales.test' }, { id: 'm2', email: 'bob@sales.test' }],
    slaMs: 2 * 3_600_000,
  } as unknown as FakeWorld;
  w.content = memoryContentStore();
  w.ready = publishShipped(w.content);
  const content = createContentActivities(w.content);
  const dedup = new Set<string>();
  const ledger = new Map<string, string>();
  const activities: LeadActivities = {
    async recordLeadEvents(leadId, events) {
      for (const e of events) {
        if (dedup.has(e.dedupKey)) continue;
        dedup.add(e.dedupKey);
        w.events.push({ ...e, leadId });
      }
    },
    async syncLeadSnapshot(leadId, snapshot) {
      w.snapshots.push({ ...snapshot, leadId });
    },
    async persistLead(leadId, events, snapshot) {
      await activities.recordLeadEvents(leadId, events);
      if (snapshot) await activities.syncLeadSnapshot(leadId, snapshot);
    },
    async sendEmail(req) {
      await w.hold?.(req);
      const over = w.sendOverride?.(req);
      if (over) return over;
      const prior = ledger.get(req.idempotencyKey);
      if (prior) return { status: 'already_sent', messageId: prior };
      const messageId = `<${req.idempotencyKey}@test>`;
      ledger.set(req.idempotencyKey, messageId);
      w.mails.push(req);
      return { status: 'sent', messageId };
    },
    // The real one: pure (weekends and date-holidays' public holidays in the lead's zone), no I/O.
    businessTime: async (after, plusMs, tz, country) => businessTime(after, plusMs, tz, country),
    async nextCalendarTime(rule, _tz, after) {
      // UTC stand-in for the real tz-aware activity: next matching weekday at HH:MM.
      const [h, m] = rule.time.split(':').map(Number);
      const d = new Date(after);
      for (let i = rule.minDaysAhead ?? 0; i < 15; i++) {
        const c = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + i, h, m));
        const iso = c.getUTCDay() === 0 ? 7 : c.getUTCDay();
        if (c > d && (!rule.weekdays?.length || rule.weekdays.includes(iso))) return c.toISOString();
      }
      throw new Error('no matching day');
    },
    async routeLead(req: RouteLeadRequest) {
      const free = w.managers.filter((x) => !req.exclude.includes(x.id));
      const m = free.find((x) => x.id === req.prefer) ?? free[0];
      if (!m) return req.exclude.length && w.managers.length ? { assigned: false, reason: 'only managers who already missed its SLA', onlyTried: true } : { assigned: false, reason: 'no eligible manager' };
      const id = `a${w.assignments.length + 1}`;
      w.assignments.push({ id, leadId: req.leadId, managerId: m.id, status: 'offered' });
      return { assigned: true, managerId: m.id, managerEmail: m.email, assignmentId: id, reason: `test routing (${req.temperature})`, slaDueAt: new Date(Date.parse(req.now) + w.slaMs).toISOString() };
    },
    async closeAssignment(id, status) {
      const a = w.assignments.find((x) => x.id === id);
      if (a) a.status = status;
    },
    async createClient(leadId, deal) {
      const existing = w.clients.findIndex((c) => c.leadId === leadId);
      if (existing < 0) w.clients.push({ leadId, deal });
      return { clientId: `client-${leadId}` };
    },
    async createRecontactTask(req) {
      const taskId = w.tasks.find((t) => t.dedupKey === req.dedupKey)?.taskId ?? `task${w.tasks.length + 1}`;
      if (!w.tasks.some((t) => t.taskId === taskId)) w.tasks.push({ ...req, taskId });
      const m = w.managers.find((x) => x.id === req.previousOwner) ?? w.managers[0];
      // As the real activity: the task's lines stay with the task (the send activity reads them).
      return { taskId, managerId: m?.id ?? null, managerEmail: m?.email ?? null, why: 'test routing' };
    },
    async nextHoliday(_country, _locale, _tz, after) {
      return w.holidays.find((h) => Date.parse(h.sendAt) > Date.parse(after)) ?? null;
    },
    currentScoringRules: async () => (await w.ready, content.currentScoringRules()),
    chooseSequence: async (req) => (await w.ready, content.chooseSequence(req)),
    sequenceMigration: async (id, version, position) => (await w.ready, content.sequenceMigration(id, version, position)),
  };
  // Every activity passes the fault injector first.
  for (const name of Object.keys(activities) as (keyof LeadActivities)[]) {
    const real = activities[name] as (...a: unknown[]) => Promise<unknown>;
    (activities as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name] = async (...args: unknown[]) => {
      const e = w.fail?.(name, args);
      if (e) throw e;
      return real(...args);
    };
  }
  w.activities = activities;
  return w;
}
