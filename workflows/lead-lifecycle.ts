// One durable workflow per lead (id `lead-<leadId>`), from first touch to client or deferred demand.
// Shape: signal and update handlers only change state and queue work; one main loop does every
// activity call, in order, so no two handlers ever race on the lead (the safe-message-handlers
// pattern without a mutex). The loop sleeps until the earliest of: a new event, a sequence step, the
// score cooling into a lower band, an SLA deadline, a holiday greeting, or re-qualification.
import * as wf from '@temporalio/workflow';
import type { LeadActivities, LeadSnapshot, SendEmailRequest, SendEmailResult } from './activity-contract';
import {
  DEFAULT_REQUALIFY_MONTHS,
  OFFERS_KEPT,
  SURVEY_REASONS_DEFAULT_MONTHS,
  absorbEvent,
  bantComplete,
  bantGap,
  initialState,
  isFinal,
  markSeen,
  monthsMs,
  record,
  rescore,
  surveyAsksForContact,
  surveyRevisitMonths,
  transition,
  view,
  type LeadState,
} from './lead-state';
import {
  acceptAssignmentUpdate,
  declineAssignmentUpdate,
  changeOwnerUpdate,
  convertToClientUpdate,
  leadEventSignal,
  managerCapacityFreedSignal,
  offerSignal,
  pauseUpdate,
  profileUpdatedSignal,
  recontactTaskClosedSignal,
  recordBantUpdate,
  recordOutcomeUpdate,
  rejectUpdate,
  requalifyNowUpdate,
  resumeUpdate,
  stateQuery,
  type RejectInput,
} from './messages';
import { leadCard, type CardVariables } from './lead-card';
import { eventPoints, nextCooling } from './scoring';
import { scoringRules } from './scoring-rules';
import * as SA from './search-attributes';
import { chooseSequence, findSequence, migratePatch, migrationFor, versionToEnter } from './sequence-registry';
import { goalMet, notifyEvent, run as runSequence, startState, stepAt, type Effects, type LeadFacts } from './sequence-interpreter';
import { BANT_KEYS, LEAD_EVENT_TYPES, REJECTION_REASONS, type LeadEventSignal, type LeadProfile, type RejectionReason, type Stage } from './types';

export interface LeadWorkflowInput {
  leadId: string;
  profile: LeadProfile;
  /** Complete state handed over by continue-as-new. */
  carried?: LeadState;
}

export interface LeadOutcome {
  stage: Stage;
  clientId: string | null;
}

/** History stays bounded: hand over after this many events even if Temporal does not ask yet. */
export const MAX_EVENTS_PER_RUN = 500;
const ROUTE_RETRY_MS = 15 * 60_000;
const HOLIDAY_LOOKAHEAD_MS = 400 * 86_400_000;
/** A greeting later than this after its hour is skipped (the lead was not deferred on the day). */
const GREETING_LATE_MS = 86_400_000;

// Unlimited attempts: a database outage delays the lead, never loses or half-writes it.
const DB_RETRY = { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 } as const;
const db = wf.proxyActivities<LeadActivities>({ startToCloseTimeout: '30 seconds', retry: DB_RETRY });
const calendar = wf.proxyLocalActivities<Pick<LeadActivities, 'nextCalendarTime'>>({ startToCloseTimeout: '10 seconds' });
// The lead's own history and snapshot, written inside the workflow task that produced them (a
// local activity: no schedule/complete round trips through the server per step).
const store = wf.proxyLocalActivities<Pick<LeadActivities, 'persistLead'>>({ startToCloseTimeout: '30 seconds', retry: DB_RETRY });
/**
 * Marks the runs that persist through `store` and re-run the loop when a message arrives while the
 * loop is busy (before this, a kick during a flush waited for the next wake-up).
 */
export const LOCAL_PERSIST_PATCH = 'persist-in-local-activity';

function mailer(): Pick<LeadActivities, 'sendEmail'> {
  // Sending runs on its own rate-limited task queue, next to the workflow's own.
  return wf.proxyActivities<LeadActivities>({
    taskQueue: `${wf.workflowInfo().taskQueue}-email`,
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes', backoffCoefficient: 2 },
  });
}

// The one clock of the workflow: inside the sandbox Date.now() is the workflow task time (replay-safe).
// eslint-disable-next-line no-restricted-properties
const now = (): number => Date.now();

export async function leadLifecycle(input: LeadWorkflowInput): Promise<LeadOutcome> {
  const s: LeadState = input.carried ?? initialState(input.leadId, input.profile, now());
  if (input.carried) {
    s.runs += 1;
    s.eventsThisRun = 0;
    // State carried from a run that predates offers.
    s.offers ??= [];
  }
  const rules = scoringRules;
  let kick = false;
  const touch = (): void => {
    kick = true;
  };

  // --- messages ---------------------------------------------------------------------------------
  wf.setHandler(stateQuery, () => view(s, rules, now()));

  wf.setHandler(leadEventSignal, (e) => {
    // Malformed payloads are dropped here (and recorded) rather than failing the workflow task:
    // one poison event must not block the lead.
    if (!e || typeof e.id !== 'string' || !e.id || !LEAD_EVENT_TYPES.includes(e.type)) {
      record(s, 'event_rejected', now(), { reason: 'malformed leadEvent payload', payload: { received: JSON.stringify(e ?? null).slice(0, 500) } });
      touch();
      return;
    }
    if (markSeen(s, e.id)) s.inbox.push(e);
    else touch();
  });

  wf.setHandler(profileUpdatedSignal, ({ id, changes }) => {
    if (!markSeen(s, `profile:${id}`)) return;
    s.profile = { ...s.profile, ...changes, email: s.profile.email };
    record(s, 'profile_updated', now(), { payload: changes as Record<string, unknown> });
    touch();
  });

  wf.setHandler(managerCapacityFreedSignal, () => {
    // Only a queued lead cares: it routes on the next loop turn instead of at its retry time.
    if (s.stage !== 'sql' || s.queue !== 'awaiting_manager') return;
    s.nextRouteAt = null;
    touch();
  });

  wf.setHandler(recontactTaskClosedSignal, (c) => {
    // Only the task this lead holds counts (a late signal for an older task changes nothing).
    if (!c || typeof c.taskId !== 'string' || s.recontactTask?.id !== c.taskId) return;
    s.recontactTask = null;
    record(s, 'recontact_task_closed', now(), { reason: `closed by the manager: ${c.status}`, payload: { taskId: c.taskId } });
    touch();
  });

  wf.setHandler(offerSignal, (o) => {
    if (!o || typeof o.runId !== 'string' || !o.runId || typeof o.path !== 'string' || !o.content?.en || !Number.isFinite(Date.parse(o.until))) {
      record(s, 'event_rejected', now(), { reason: 'malformed offer payload', payload: { received: JSON.stringify(o ?? null).slice(0, 500) } });
      touch();
      return;
    }
    if (!markSeen(s, `offer:${o.runId}`)) return;
    // Offers are for the deferred-demand base only; the campaign's audience query says the same,
    // but the lead may have moved on since the page was read.
    if (s.stage !== 'deferred') {
      record(s, 'offer_skipped', now(), { reason: `lead is ${s.stage}`, payload: { campaignId: o.campaignId, runId: o.runId } });
    } else {
      s.offers = [...s.offers, { campaignId: o.campaignId, runId: o.runId, content: o.content, path: o.path, until: Date.parse(o.until), notBefore: now() }].slice(-OFFERS_KEPT);
    }
    touch();
  });

  const notFinal = (): void => {
    if (isFinal(s.stage)) throw new Error(`lead is ${s.stage}: no further changes`);
  };

  wf.setHandler(
    recordBantUpdate,
    ({ answers }) => {
      const at = new Date(now()).toISOString();
      for (const k of BANT_KEYS) {
        const a = answers[k];
        if (a) s.bant = { ...s.bant, [k]: { passed: a.passed, ...(a.note ? { note: a.note } : {}), at } };
      }
      record(s, 'bant_recorded', now(), { payload: answers as Record<string, unknown> });
      touch();
      return view(s, rules, now());
    },
    {
      validator: ({ answers }) => {
        notFinal();
        const keys = Object.keys(answers ?? {});
        if (!keys.length) throw new Error('answers: at least one of budget, authority, need, timing is required');
        for (const k of keys) {
          if (!(BANT_KEYS as readonly string[]).includes(k)) throw new Error(`answers.${k}: unknown BANT key (budget, authority, need, timing)`);
          if (typeof answers[k as keyof typeof answers]?.passed !== 'boolean') throw new Error(`answers.${k}.passed: must be true or false`);
        }
        if (!['nurturing', 'mql', 'sql', 'handed_off'].includes(s.stage)) throw new Error(`BANT is recorded in nurturing, mql, sql or handed_off, not ${s.stage}`);
      },
    },
  );

  const validateRejection = (r: { reason?: RejectionReason }): void => {
    notFinal();
    if (!r.reason || !REJECTION_REASONS.includes(r.reason)) throw new Error(`reason: must be one of ${REJECTION_REASONS.join(', ')}`);
    if (s.stage === 'rejected' || s.stage === 'deferred') throw new Error(`lead is already ${s.stage}`);
  };
  const reject = (r: RejectInput): void => {
    s.rejection = { reason: r.reason, ...(r.note ? { note: r.note } : {}), by: r.by, at: now() };
    s.rejections += 1;
    if (s.assignment) {
      s.pendingAssignmentClose.push({ id: s.assignment.id, status: 'lost' });
      s.assignment = null;
    }
    transition(s, 'rejected', `${r.by}: ${r.reason}${r.note ? ` (${r.note})` : ''}`, now());
    touch();
  };
  wf.setHandler(
    rejectUpdate,
    (r) => {
      reject(r);
      return view(s, rules, now());
    },
    { validator: (r) => {
      validateRejection(r);
      if (!['sales', 'lead', 'ops'].includes(r.by)) throw new Error('by: must be sales, lead or ops');
    } },
  );

  const validateDeal = (d: { dealValue?: number; grossMargin?: number; currency?: string } | undefined): void => {
    if (!d) throw new Error('deal: required');
    if (typeof d.dealValue !== 'number' || !(d.dealValue >= 0)) throw new Error('dealValue: must be a number >= 0');
    if (typeof d.grossMargin !== 'number' || !Number.isFinite(d.grossMargin)) throw new Error('grossMargin: must be a number');
    if (typeof d.currency !== 'string' || !/^[A-Z]{3}$/.test(d.currency)) throw new Error('currency: must be a 3-letter ISO code');
  };
  wf.setHandler(
    convertToClientUpdate,
    async (deal) => {
      s.pendingDeal = deal;
      touch();
      await wf.condition(() => s.clientId !== null);
      return view(s, rules, now());
    },
    { validator: (deal) => {
      notFinal();
      if (s.pendingDeal) throw new Error('a conversion is already in progress');
      validateDeal(deal);
    } },
  );

  wf.setHandler(
    requalifyNowUpdate,
    ({ reason }) => {
      s.requalifyAt = now();
      record(s, 'requalify_requested', now(), { reason: reason ?? 'ops' });
      touch();
      return view(s, rules, now());
    },
    { validator: (_i) => {
      notFinal();
      if (!['rejected', 'deferred', 'nurturing'].includes(s.stage)) throw new Error(`re-qualification applies to nurturing, rejected or deferred leads, not ${s.stage}`);
    } },
  );

  wf.setHandler(
    pauseUpdate,
    ({ reason }) => {
      s.paused = true;
      record(s, 'paused', now(), { reason: reason ?? 'ops' });
      touch();
      return view(s, rules, now());
    },
    { validator: (_i) => {
      notFinal();
      if (s.paused) throw new Error('lead is already paused');
    } },
  );
  wf.setHandler(
    resumeUpdate,
    ({ reason }) => {
      s.paused = false;
      record(s, 'resumed', now(), { reason: reason ?? 'ops' });
      touch();
      return view(s, rules, now());
    },
    { validator: (_i) => {
      if (!s.paused) throw new Error('lead is not paused');
    } },
  );

  wf.setHandler(
    changeOwnerUpdate,
    ({ managerId, reason }) => {
      record(s, 'owner_changed', now(), { reason, payload: { from: s.owner, to: managerId } });
      s.owner = managerId;
      touch();
      return view(s, rules, now());
    },
    { validator: (i) => {
      notFinal();
      if (i.managerId !== null && (typeof i.managerId !== 'string' || !i.managerId)) throw new Error('managerId: a manager id or null');
      if (typeof i.reason !== 'string' || !i.reason.trim()) throw new Error('reason: required');
    } },
  );

  const requireAssignee = (managerId: string): void => {
    notFinal();
    if (s.stage !== 'handed_off' || !s.assignment) throw new Error(`lead is ${s.stage}, not handed off`);
    if (s.assignment.managerId !== managerId) throw new Error(`managerId: the lead is assigned to another manager`);
  };
  const requireOpenOffer = (managerId: string, assignmentId: string | undefined): void => {
    requireAssignee(managerId);
    if (assignmentId !== undefined && s.assignment!.id !== assignmentId) throw new Error('assignmentId: this offer is closed (the lead was offered again since)');
    if (s.assignment!.accepted) throw new Error('assignment already accepted');
  };
  wf.setHandler(
    acceptAssignmentUpdate,
    ({ managerId }) => {
      s.assignment!.accepted = true;
      s.owner = managerId;
      s.pendingAssignmentClose.push({ id: s.assignment!.id, status: 'accepted' });
      record(s, 'assignment_accepted', now(), { payload: { managerId, assignmentId: s.assignment!.id, withinSla: now() <= s.assignment!.slaDueAt } });
      touch();
      return view(s, rules, now());
    },
    { validator: ({ managerId, assignmentId }) => requireOpenOffer(managerId, assignmentId) },
  );

  // "Send back" on the card: the manager will not take this offer; the next eligible manager gets it
  // at once (this one stays in triedManagers). Not an SLA miss: no escalation count.
  wf.setHandler(
    declineAssignmentUpdate,
    ({ managerId, reason }) => {
      const a = s.assignment!;
      s.pendingAssignmentClose.push({ id: a.id, status: 'declined' });
      s.assignment = null;
      s.owner = null;
      record(s, 'assignment_declined', now(), { reason: reason?.trim() || 'sent back by the manager', payload: { managerId, assignmentId: a.id } });
      transition(s, 'sql', `sent back by ${managerId}: re-routing`, now());
      touch();
      return view(s, rules, now());
    },
    { validator: ({ managerId, assignmentId, reason }) => {
      requireOpenOffer(managerId, assignmentId);
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > 500)) throw new Error('reason: text of at most 500 characters');
    } },
  );

  wf.setHandler(
    recordOutcomeUpdate,
    async (o) => {
      const a = s.assignment!;
      if (o.outcome === 'won') {
        s.pendingDeal = { ...o.deal!, managerId: o.managerId };
        touch();
        await wf.condition(() => s.clientId !== null);
      } else if (o.outcome === 'lost') {
        reject({ reason: o.reason!, ...(o.note ? { note: o.note } : {}), by: 'sales' });
      } else {
        s.pendingAssignmentClose.push({ id: a.id, status: 'nurture' });
        s.assignment = null;
        s.bant = {};
        transition(s, 'nurturing', `sales: needs nurturing${o.note ? ` (${o.note})` : ''}`, now());
        touch();
      }
      return view(s, rules, now());
    },
    { validator: (o) => {
      requireAssignee(o.managerId);
      if (!['won', 'lost', 'nurture'].includes(o.outcome)) throw new Error('outcome: must be won, lost or nurture');
      if (o.outcome === 'won') validateDeal(o.deal);
      if (o.outcome === 'lost') validateRejection(o);
    } },
  );

  // --- effects ----------------------------------------------------------------------------------
  const sendMail = async (req: Omit<SendEmailRequest, 'leadId' | 'locale'> & { locale?: string }): Promise<SendEmailResult> => {
    const res = await mailer().sendEmail({ leadId: s.leadId, locale: s.profile.locale, now: new Date(now()).toISOString(), ...req });
    if (res.status === 'bounced') s.undeliverable = true;
    return res;
  };

  const facts = (): LeadFacts => ({
    leadId: s.leadId,
    profile: s.profile,
    stage: s.stage,
    score: s.score,
    temperature: s.temperature,
    lastEventAt: s.lastEventAt,
    pageViews: s.pageViews,
  });

  const leaveSequence = (reason: string): void => {
    if (!s.seq) return;
    record(s, 'sequence_left', now(), { reason, payload: { sequence: s.seq.id, version: s.seq.version, position: s.seq.path.join('.') } });
    s.sequencesDone = s.sequencesDone.includes(s.seq.id) ? s.sequencesDone : [...s.sequencesDone, s.seq.id];
    s.sequencesDoneThisStage = [...s.sequencesDoneThisStage, s.seq.id];
    s.seq = null;
  };

  const card = (): CardVariables => leadCard({ profile: s.profile, score: s.score, temperature: s.temperature, scoreEvents: view(s, rules, now()).score.events, pageViews: s.pageViews, bant: s.bant });

  const fx: Effects = {
    now,
    facts,
    send: (step, key) =>
      s.undeliverable
        ? Promise.resolve({ status: 'suppressed', reason: 'address bounced' })
        : sendMail({
            idempotencyKey: `${s.leadId}:${s.seq!.id}:v${s.seq!.version}:e${s.seq!.entry}:${key}`,
            template: step.template,
            kind: 'marketing',
            ...(step.locale ? { locale: step.locale } : {}),
            ...(step.subject ? { subject: step.subject[s.profile.locale] ?? step.subject['*'] } : {}),
            variables: { firstName: s.profile.firstName ?? null, company: s.profile.company ?? null, ...(step.variables ?? {}) },
            sequence: { id: s.seq!.id, version: s.seq!.version, step: key },
          }),
    calendar: async (rule) => Date.parse(await calendar.nextCalendarTime(rule, s.profile.timezone, new Date(now()).toISOString())),
    setStage: (stage, reason) => {
      transition(s, stage, `sequence ${s.seq?.id}: ${reason}`, now());
    },
    addScore: (points, reason, key) => {
      absorbEvent(s, { id: `${s.seq!.id}:v${s.seq!.version}:${key}:${s.eventsReceived}`, type: 'form_submitted', data: { manual: reason } }, 0, now(), rules, now());
      s.behaviour = { ...s.behaviour, events: [...s.behaviour.events, { id: `${s.seq!.id}:${key}`, type: 'manual', at: now(), points }] };
      rescore(s, rules, now());
    },
    notifySales: async (reason) => {
      record(s, 'sales_notified', now(), { reason });
      if (s.stage === 'nurturing' || s.stage === 'mql') transition(s, 'sql', `sequence asks for sales: ${reason}`, now());
    },
    log: (kind, key, detail) => record(s, `sequence_${kind}`, now(), { payload: { sequence: s.seq?.id, version: s.seq?.version, step: key, ...detail } }),
  };

  const applyEvent = (e: LeadEventSignal): void => {
    const at = e.at && Number.isFinite(Date.parse(e.at)) ? Math.min(Date.parse(e.at), now()) : now();
    absorbEvent(s, e, eventPoints(e, rules), at, rules, now());
    rescore(s, rules, now());
    if (s.seq) {
      notifyEvent(s.seq, e);
      const def = findSequence(s.seq.id, s.seq.version);
      const g = def && goalMet(def, facts(), e);
      if (g) leaveSequence(`goal: ${g.label}`);
    }
    switch (e.type) {
      case 'unsubscribed':
        leaveSequence('unsubscribed');
        transition(s, 'unsubscribed', 'lead unsubscribed', now());
        break;
      case 'bounced':
        s.undeliverable = true;
        break;
      case 'consent_confirmed':
        s.profile = { ...s.profile, consent: 'confirmed' };
        break;
      case 'deal_won':
        if (!isFinal(s.stage) && !s.pendingDeal) {
          s.pendingDeal = { dealValue: Number(e.data?.dealValue ?? 0), grossMargin: Number(e.data?.grossMargin ?? 0), currency: String(e.data?.currency ?? 'EUR') };
        }
        break;
      case 'sales_rejected': {
        const reason = String(e.data?.reason ?? 'other') as RejectionReason;
        if (!isFinal(s.stage) && s.stage !== 'rejected' && s.stage !== 'deferred') {
          reject({ reason: REJECTION_REASONS.includes(reason) ? reason : 'other', ...(e.data?.note ? { note: String(e.data.note) } : {}), by: 'sales' });
        }
        break;
      }
      case 'survey_answered': {
        if (!s.rejection) break;
        s.rejection = { ...s.rejection, survey: { ...(e.data ?? {}) } };
        const reason = String(e.data?.reason ?? '');
        if (reason === 'not_relevant') {
          transition(s, 'unsubscribed', 'survey: not relevant (kept for analytics)', now());
          break;
        }
        const months = surveyRevisitMonths(reason, e.data?.revisitMonths);
        s.requalifyAt = s.rejection.at + monthsMs(months);
        record(s, 'requalification_planned', now(), { reason: `survey: ${reason || 'answered'}`, payload: { at: new Date(s.requalifyAt).toISOString(), months } });
        break;
      }
      default:
        break;
    }
    // Interest from the deferred base goes straight back to sales.
    if (s.stage === 'deferred' && s.score >= rules.mqlThreshold) {
      leaveSequence('interest while deferred');
      transition(s, 'sql', `deferred lead showed interest (score ${s.score})`, now());
    }
  };

  /** Stage-driven work; loops until the stage is stable. */
  const act = async (): Promise<void> => {
    for (let guard = 0; guard < 20; guard++) {
      const stageBefore = s.stage;
      const t = now();
      rescore(s, rules, t);

      for (const c of s.pendingAssignmentClose.splice(0)) await db.closeAssignment(c.id, c.status);

      if (s.pendingDeal && s.clientId === null) {
        const deal = s.pendingDeal;
        const { clientId } = await db.createClient(s.leadId, deal);
        if (s.assignment) await db.closeAssignment(s.assignment.id, 'won');
        s.assignment = null;
        s.clientId = clientId;
        leaveSequence('became a client');
        record(s, 'client_created', now(), { payload: { clientId, ...deal } });
        transition(s, 'client', 'deal won', now());
        return;
      }
      if (isFinal(s.stage) || s.paused) return;
      if (s.stage !== 'deferred' && s.offers.length) {
        // Offers are for the deferred base: a lead that moved on does not get them later.
        for (const o of s.offers) record(s, 'offer_skipped', t, { reason: `lead is ${s.stage}`, payload: { campaignId: o.campaignId, runId: o.runId } });
        s.offers = [];
      }

      switch (s.stage) {
        case 'new':
          transition(s, 'nurturing', `first touch via ${s.profile.source}`, t);
          break;
        case 'nurturing':
          if (s.score >= rules.mqlThreshold) transition(s, 'mql', `score ${s.score} >= ${rules.mqlThreshold}`, t);
          break;
        case 'mql':
          if (s.temperature === 'hot') transition(s, 'sql', `hot lead (score ${s.score}): fast track to sales`, t);
          else if (bantComplete(s.bant)) {
            const gap = bantGap(s.bant);
            if (gap.length) {
              record(s, 'bant_gap', t, { reason: gap.join(', ') });
              s.bant = {};
              transition(s, 'nurturing', `BANT gap: ${gap.join(', ')}`, t);
            } else transition(s, 'sql', 'BANT passed', t);
          } else if (s.score < rules.mqlThreshold && Object.keys(s.bant).length === 0) {
            transition(s, 'nurturing', `cooled down (score ${s.score})`, t);
          }
          break;
        case 'sql':
          if (s.nextRouteAt !== null && t < s.nextRouteAt) break;
          await route(t);
          break;
        case 'handed_off':
          if (s.assignment && !s.assignment.accepted && t >= s.assignment.slaDueAt) await slaMissed(t);
          break;
        case 'rejected':
          // The farewell + survey sequence (entry stage `rejected`) sends the letter and moves the
          // lead to `deferred`; without one, go there directly.
          if (s.requalifyAt === null || s.requalifyAt <= t) {
            s.requalifyAt = t + monthsMs(SURVEY_REASONS_DEFAULT_MONTHS[s.rejection?.reason ?? 'other'] ?? DEFAULT_REQUALIFY_MONTHS);
          }
          if (!s.seq && !chooseSequence({ stage: s.stage, temperature: s.temperature, source: s.profile.source, done: s.sequencesDone, doneThisStage: s.sequencesDoneThisStage })) {
            transition(s, 'deferred', 'kept in the deferred-demand base', t);
          } else if (s.profile.country && s.holiday.lookedUpAt === null && wf.patched('holiday-lookup-when-rejected')) {
            // The state query shows the first greeting the deferred base will bring, from the "no" on.
            await lookUpHoliday(t);
          }
          break;
        case 'deferred':
          await holidays(t);
          if (s.offers.length) await offers(t);
          if (s.requalifyAt !== null && t >= s.requalifyAt) await requalify(t);
          break;
        default:
          break;
      }
      // Ops asked to re-qualify a nurturing lead now: re-score and let the rules above decide.
      if (s.stage === 'nurturing' && s.requalifyAt !== null && t >= s.requalifyAt) s.requalifyAt = null;
      await sequences();
      if (s.stage === stageBefore) return;
    }
  };

  const sequences = async (): Promise<void> => {
    // A marketer's explicit rule moves a lead from an old version to the current one; without one it
    // finishes the version it entered with. Behind a patch, so a replay of the time before the rule
    // shipped keeps the old version.
    const moved = s.seq ? migrationFor(s.seq.id, s.seq.version, s.seq.path.join('.')) : undefined;
    if (s.seq && moved && wf.patched(migratePatch(s.seq.id, moved.version))) {
      const from = findSequence(s.seq.id, s.seq.version);
      const to = findSequence(s.seq.id, moved.version);
      // A pending wait carries over only onto a step of the same kind.
      const sameKind = from && to && stepAt(from, s.seq.path)?.kind === stepAt(to, moved.path)?.kind;
      record(s, 'sequence_migrated', now(), { payload: { sequence: s.seq.id, from: `v${s.seq.version}:${s.seq.path.join('.')}`, to: `v${moved.version}:${moved.path.join('.')}` } });
      s.seq = { ...s.seq, version: moved.version, path: moved.path, ...(sameKind ? {} : { sleepUntil: null, waitingFor: null }) };
    }
    if (s.seq) {
      // Leaving one sequence falls through to choosing the next (e.g. warm drip -> hot fast track).
      const def = findSequence(s.seq.id, s.seq.version);
      const g = def && goalMet(def, facts());
      if (!def) leaveSequence(`sequence ${s.seq.id} v${s.seq.version} no longer shipped`);
      else if (g) leaveSequence(`goal: ${g.label}`);
      else if (!def.entry.stages.includes(s.stage)) leaveSequence(`stage is now ${s.stage}`);
    }
    if (!s.seq) {
      const chosen = chooseSequence({ stage: s.stage, temperature: s.temperature, source: s.profile.source, done: s.sequencesDone, doneThisStage: s.sequencesDoneThisStage });
      if (!chosen) return;
      const def = versionToEnter(chosen, wf.patched);
      s.sequenceEntries = { ...s.sequenceEntries, [def.id]: (s.sequenceEntries[def.id] ?? 0) + 1 };
      s.seq = startState(def, now(), s.sequenceEntries[def.id]);
      record(s, 'sequence_entered', now(), { payload: { sequence: def.id, version: def.version } });
    }
    const def = findSequence(s.seq.id, s.seq.version)!;
    const stageBefore = s.stage;
    const y = await runSequence(def, s.seq, fx);
    if (y.kind === 'done') leaveSequence(y.reason);
    else if (s.stage !== stageBefore && s.seq && !def.entry.stages.includes(s.stage)) leaveSequence(`stage is now ${s.stage}`);
  };

  const route = async (t: number): Promise<void> => {
    const r = await db.routeLead({ leadId: s.leadId, temperature: s.temperature, locale: s.profile.locale, ...(s.profile.country ? { country: s.profile.country } : {}), exclude: s.triedManagers, ...(s.recontactTask ? { prefer: s.recontactTask.managerId } : {}), now: new Date(t).toISOString() });
    if (!r.assigned) {
      if (s.queue !== 'awaiting_manager') record(s, 'queued_for_manager', t, { reason: r.reason });
      s.queue = 'awaiting_manager';
      s.nextRouteAt = t + ROUTE_RETRY_MS;
      // Everyone who could take it has missed its SLA once (the head of sales already knows after the
      // second miss): ask them again, from the retry on, instead of queueing it forever.
      if (r.onlyTried && wf.patched('reroute-tried-managers')) {
        record(s, 'routing_round_restarted', t, { reason: r.reason, payload: { tried: s.triedManagers } });
        s.triedManagers = [];
      }
      return;
    }
    s.queue = null;
    s.nextRouteAt = null;
    s.assignment = { id: r.assignmentId, managerId: r.managerId, managerEmail: r.managerEmail, offeredAt: t, slaDueAt: Date.parse(r.slaDueAt), accepted: false };
    s.owner = r.managerId;
    s.triedManagers = [...s.triedManagers, r.managerId];
    // Offered (to the task's manager when eligible): the re-contact preference has done its job.
    s.recontactTask = null;
    record(s, 'assigned', t, { reason: r.reason, payload: { managerId: r.managerId, assignmentId: r.assignmentId, slaDueAt: r.slaDueAt } });
    transition(s, 'handed_off', `assigned to ${r.managerId}: ${r.reason}`, t);
    await sendMail({
      idempotencyKey: `${s.leadId}:assign:${r.assignmentId}`,
      template: 'manager-new-lead',
      kind: 'transactional',
      to: r.managerEmail,
      locale: 'en',
      variables: { ...card(), acceptBy: r.slaDueAt },
    });
  };

  const slaMissed = async (t: number): Promise<void> => {
    const a = s.assignment!;
    await db.closeAssignment(a.id, 'missed');
    s.slaMisses += 1;
    s.assignment = null;
    s.owner = null;
    record(s, 'sla_missed', t, { reason: `not accepted by ${a.managerId} before ${new Date(a.slaDueAt).toISOString()}`, payload: { managerId: a.managerId, assignmentId: a.id, misses: s.slaMisses } });
    if (s.slaMisses >= 2) {
      await sendMail({
        idempotencyKey: `${s.leadId}:escalate:${a.id}`,
        template: 'sales-escalation',
        kind: 'transactional',
        locale: 'en',
        to: 'head-of-sales',
        variables: { ...card(), misses: s.slaMisses, lastManager: a.managerEmail },
      });
      record(s, 'escalated', t, { reason: `${s.slaMisses} SLA misses` });
    }
    transition(s, 'sql', `SLA missed by ${a.managerId}: re-routing`, t);
  };

  const requalify = async (t: number): Promise<void> => {
    s.requalifyAt = null;
    rescore(s, rules, t);
    record(s, 'requalified', t, { payload: { score: s.score, rejection: s.rejection, previousBant: s.bant } });
    // Last year's budget and timing answers say nothing about today: qualify afresh.
    s.bant = {};
    s.triedManagers = [];
    s.slaMisses = 0;
    leaveSequence('re-qualification');
    const refused = s.rejection ? `, refused before: ${s.rejection.reason}` : '';
    if (!wf.patched('requalify-recontact-task')) {
      transition(s, s.score >= rules.mqlThreshold ? 'sql' : 'nurturing', `re-qualification (score ${s.score}${refused})`, t);
      return;
    }
    // Worth a personal call (score high enough, or the survey said "later"): a re-contact task for a
    // manager with everything gathered; the lead re-enters nurturing either way, owned by that manager.
    if (s.score >= rules.mqlThreshold || surveyAsksForContact(s.rejection?.survey)) {
      const r = s.rejection;
      const task = await db.createRecontactTask({
        leadId: s.leadId,
        dedupKey: `${s.leadId}:recontact:${s.rejections}:${t}`,
        score: s.score,
        temperature: s.temperature,
        locale: s.profile.locale,
        ...(s.profile.country ? { country: s.profile.country } : {}),
        previousOwner: s.owner,
        rejection: r ? { ...r, at: new Date(r.at).toISOString() } : null,
        now: new Date(t).toISOString(),
      });
      record(s, 'recontact_task_created', t, { reason: task.why, payload: { taskId: task.taskId, managerId: task.managerId } });
      if (task.managerId) {
        s.owner = task.managerId;
        s.recontactTask = { id: task.taskId, managerId: task.managerId };
      }
      // Histories recorded before this patch sent no mail here.
      if (task.managerId && task.managerEmail && wf.patched('recontact-task-mail')) {
        await sendMail({
          idempotencyKey: `${s.leadId}:recontact-task:${task.taskId}`,
          template: 'manager-recontact-task',
          kind: 'transactional',
          to: task.managerEmail,
          locale: 'en',
          variables: { ...card(), taskId: task.taskId, why: task.why, ...task.summary },
        });
      }
      transition(s, 'nurturing', `re-qualification: re-contact task for ${task.managerId ?? 'the team'} (score ${s.score}${refused})`, t);
      return;
    }
    transition(s, 'nurturing', `re-qualification (score ${s.score}${refused})`, t);
  };

  /** Mails the offers campaign runs left here; held back by quiet hours or the cap, they wait. */
  const offers = async (t: number): Promise<void> => {
    const keep: LeadState['offers'] = [];
    for (const o of s.offers) {
      if (t > o.until) {
        record(s, 'offer_expired', t, { payload: { campaignId: o.campaignId, runId: o.runId } });
        continue;
      }
      if (t < o.notBefore || s.undeliverable) {
        if (!s.undeliverable) keep.push(o);
        continue;
      }
      const c = o.content[s.profile.locale] ?? o.content.en;
      const r = await sendMail({
        idempotencyKey: `${s.leadId}:offer:${o.runId}`,
        template: 'offer',
        kind: 'marketing',
        variables: { firstName: s.profile.firstName ?? null, company: s.profile.company ?? null, offerTitle: c.title, offerText: c.text, offerPath: o.path },
      });
      if (r.status === 'deferred') {
        keep.push({ ...o, notBefore: Date.parse(r.until) });
        continue;
      }
      record(s, r.status === 'sent' || r.status === 'already_sent' ? 'offer_sent' : 'offer_not_sent', t, { reason: r.status === 'suppressed' ? r.reason : r.status, payload: { campaignId: o.campaignId, runId: o.runId } });
    }
    s.offers = keep;
  };

  const holidays = async (t: number): Promise<void> => {
    if (!s.profile.country) return;
    const h = s.holiday;
    if (h.next && t >= Date.parse(h.next.sendAt)) {
      const occ = h.next;
      // Looked up during an earlier deferral and passed while the lead was elsewhere: a greeting
      // days late is worse than none.
      const stale = t - Date.parse(occ.sendAt) > GREETING_LATE_MS && wf.patched('skip-stale-greeting');
      if (stale) record(s, 'holiday_greeting_skipped', t, { reason: `${occ.name}: passed while the lead was not deferred`, payload: { key: occ.key } });
      else if (!h.sent.includes(occ.key)) {
        const r = await sendMail({
          idempotencyKey: `${s.leadId}:holiday:${occ.key}`,
          template: 'holiday-greeting',
          kind: 'marketing',
          variables: { firstName: s.profile.firstName ?? null, holiday: occ.name },
        });
        // Held back (quiet hours, the cap) but still on the day: try again then, same ledger key.
        if (r.status === 'deferred' && Date.parse(r.until) - Date.parse(occ.sendAt) <= GREETING_LATE_MS && wf.patched('greeting-retry-same-day')) {
          h.next = { ...occ, sendAt: r.until };
          return;
        }
        h.sent = [...h.sent, occ.key].slice(-50);
        const sent = r.status === 'sent' || r.status === 'already_sent';
        record(s, sent ? 'holiday_greeting_sent' : 'holiday_greeting_not_sent', t, { reason: sent ? occ.name : `${occ.name}: ${r.status === 'deferred' ? r.reason : r.status}`, payload: { key: occ.key } });
      }
      h.next = null;
    }
    if (!h.next && (h.lookedUpAt === null || t - h.lookedUpAt > 86_400_000)) await lookUpHoliday(t);
  };

  const lookUpHoliday = async (t: number): Promise<void> => {
    const h = s.holiday;
    h.next = await db.nextHoliday(s.profile.country!, s.profile.locale, s.profile.timezone, new Date(t).toISOString());
    h.lookedUpAt = t;
    if (h.next && Date.parse(h.next.sendAt) > t + HOLIDAY_LOOKAHEAD_MS) h.next = null;
  };

  const nextWake = (): { at: number; reason: string } | null => {
    const t = now();
    const c: { at: number; reason: string }[] = [];
    if (!s.paused) {
      if (s.seq?.sleepUntil) c.push({ at: s.seq.sleepUntil, reason: `sequence ${s.seq.id} step ${s.seq.path.join('.')}` });
      if (s.seq?.waitingFor) c.push({ at: s.seq.waitingFor.until, reason: `sequence ${s.seq.id} waits for ${s.seq.waitingFor.events.join('/')}` });
      if (s.stage === 'sql' && s.nextRouteAt) c.push({ at: s.nextRouteAt, reason: 'retry routing (no manager free)' });
      if (s.assignment && !s.assignment.accepted) c.push({ at: s.assignment.slaDueAt, reason: `SLA: ${s.assignment.managerId} must accept` });
      if (s.stage === 'deferred' && s.requalifyAt) c.push({ at: s.requalifyAt, reason: 're-qualification' });
      if (s.stage === 'deferred' && s.offers.length) c.push({ at: Math.min(...s.offers.map((o) => Math.min(o.notBefore, o.until + 1))), reason: `offer ${s.offers[0].campaignId}` });
      if (s.stage === 'deferred' && s.holiday.next) c.push({ at: Date.parse(s.holiday.next.sendAt), reason: `greeting: ${s.holiday.next.name}` });
      if (s.stage === 'deferred' && !s.holiday.next && s.profile.country && s.holiday.lookedUpAt !== null) c.push({ at: s.holiday.lookedUpAt + 30 * 86_400_000, reason: 'look up holidays' });
    }
    const cool = nextCooling(s.profile, s.behaviour, t, rules);
    if (cool !== null) c.push({ at: cool, reason: 'score cools into a lower band' });
    return c.sort((a, b) => a.at - b.at)[0] ?? null;
  };

  let synced = '';
  const flush = async (local: boolean): Promise<void> => {
    const snapshot = (): LeadSnapshot => ({ stage: s.stage, temperature: s.temperature, score: s.score, ownerId: s.owner });
    const syncKey = (snap: LeadSnapshot): string => JSON.stringify([snap, s.queue, s.seq?.id ?? null, s.nextWake?.at ?? null]);
    const snapChanged = (snap: LeadSnapshot): boolean => JSON.stringify(snap) !== synced.slice(1, 1 + JSON.stringify(snap).length);
    let key: string;
    if (local) {
      const snap = snapshot();
      key = syncKey(snap);
      const batch = s.outbox.splice(0, s.outbox.length);
      const snapDue = key !== synced && snapChanged(snap);
      // A change made by a handler during this await kicks the loop, which flushes it next.
      if (batch.length || snapDue) await store.persistLead(s.leadId, batch, snapDue ? snap : null);
      if (key === synced) return;
    } else {
      // Runs recorded before LOCAL_PERSIST_PATCH: two ordinary activities, in this order.
      if (s.outbox.length) {
        const batch = s.outbox.splice(0, s.outbox.length);
        await db.recordLeadEvents(s.leadId, batch);
      }
      const snap = snapshot();
      key = syncKey(snap);
      if (key === synced) return;
      if (snapChanged(snap)) await db.syncLeadSnapshot(s.leadId, snap);
    }
    synced = key;
    wf.upsertSearchAttributes([
      { key: SA.LeadStage, value: s.stage },
      { key: SA.LeadTemperature, value: s.temperature },
      { key: SA.LeadScore, value: s.score },
      { key: SA.LeadSource, value: s.profile.source },
      { key: SA.LeadSequence, value: s.seq ? `${s.seq.id}@v${s.seq.version}` : null },
      { key: SA.AssignedManager, value: s.owner },
      { key: SA.LeadQueue, value: s.queue },
      { key: SA.NextActionTime, value: s.nextWake ? new Date(s.nextWake.at) : null },
    ]);
  };

  // --- main loop --------------------------------------------------------------------------------
  if (!input.carried) record(s, 'lead_created', now(), { reason: `source ${s.profile.source}`, payload: { source: s.profile.source } });
  // Double opt-in: a lead that arrives with consent pending gets the confirmation mail (signed
  // /confirm link) once, from here rather than the API, so an API crash cannot lose it. Marketing
  // mail waits (sendEmail defers consent_pending) until the consent_confirmed event.
  if (!input.carried && s.profile.consent === 'pending' && wf.patched('double-opt-in-mail')) {
    const res = await sendMail({ idempotencyKey: `${s.leadId}:double-opt-in`, template: 'double-opt-in', kind: 'transactional', variables: { firstName: s.profile.firstName ?? null, company: s.profile.company ?? null } });
    record(s, 'double_opt_in_requested', now(), { reason: res.status });
  }
  for (;;) {
    const local = wf.patched(LOCAL_PERSIST_PATCH);
    // A kick from here on (a handler running while act or flush awaits) re-runs the loop at once.
    if (local) kick = false;
    while (s.inbox.length) applyEvent(s.inbox.shift()!);
    await act();
    s.nextWake = isFinal(s.stage) ? null : nextWake();
    await flush(local);
    if (isFinal(s.stage)) break;
    if (wf.workflowInfo().continueAsNewSuggested || s.eventsThisRun >= MAX_EVENTS_PER_RUN) {
      // Let running update handlers finish so their callers get answers, then hand over the whole
      // state; events that arrive meanwhile sit in the carried inbox.
      await wf.condition(wf.allHandlersFinished);
      await flush(local);
      await wf.continueAsNew<typeof leadLifecycle>({ leadId: s.leadId, profile: s.profile, carried: s });
    }
    if (!local) kick = false;
    const wake = s.nextWake;
    const timeout = wake ? Math.max(wake.at - now(), 1) : undefined;
    if (timeout === undefined) await wf.condition(() => kick || s.inbox.length > 0);
    else await wf.condition(() => kick || s.inbox.length > 0, timeout);
  }
  await wf.condition(wf.allHandlersFinished);
  return { stage: s.stage, clientId: s.clientId };
}
