// Deferred demand and re-qualification. After a "no" the lead is kept warm (farewell sequence,
// greetings, offers) and comes back only when the re-qualification rule says so: its date (from the
// survey or the reason), or strong buying signals since the "no" (the rules' `buyingSignals`; never
// a blog view or an open). Its owner of record is told first, with a re-contact task.
import type { RecontactTaskResult } from '../activity-contract';
import type { RejectInput } from '../lead/messages';
import { buyingSignal } from '../qualification/scoring';
import { REJECTION_REASONS, type LeadEventSignal, type RejectionReason } from '../types';
import { decided, type Command, type Decision, type Performed } from '../lead/commands';
import {
  DEFAULT_REQUALIFY_MONTHS,
  SURVEY_REASONS_DEFAULT_MONTHS,
  draft,
  isFinal,
  leaveSequence,
  monthsMs,
  record,
  rescore,
  rulesOf,
  surveyAsksForContact,
  surveyRevisitMonths,
  transition,
  type LeadState,
} from '../lead/state';
import { card } from '../handoff/card';
import { reject } from './reject';

export type DeferredMessage =
  /** `noSequence`: sequence choice found nothing for this rejected lead (no farewell to send). */
  | { kind: 'tick'; noSequence: boolean }
  | { kind: 'event'; event: LeadEventSignal }
  | { kind: 'reject'; input: RejectInput }
  | { kind: 'requalifyNow'; reason: string }
  | Performed;

export function decide(state: LeadState, m: DeferredMessage, now: number): Decision {
  const s = draft(state);
  switch (m.kind) {
    case 'tick':
      return decided(s, tick(s, m.noSequence, now));
    case 'event':
      onEvent(s, m.event, now);
      return decided(s);
    case 'reject':
      reject(s, m.input, now);
      return decided(s);
    case 'requalifyNow':
      s.requalifyAt = now;
      record(s, 'requalify_requested', now, { reason: m.reason });
      return decided(s);
    case 'performed':
      return decided(s, performed(s, m, now));
  }
}

function onEvent(s: LeadState, e: LeadEventSignal, now: number): void {
  if (e.type === 'sales_rejected') {
    const reason = String(e.data?.reason ?? 'other') as RejectionReason;
    if (!isFinal(s.stage) && s.stage !== 'rejected' && s.stage !== 'deferred') {
      // The lifecycle strips a note's text from the event since the private-notes patch; `noteId` names a stored one.
      const noteId = typeof e.data?.noteId === 'string' ? { noteId: e.data.noteId } : {};
      reject(s, { reason: REJECTION_REASONS.includes(reason) ? reason : 'other', ...(e.data?.note ? { note: String(e.data.note) } : {}), ...noteId, by: 'sales' }, now);
    }
    return;
  }
  if (e.type === 'survey_answered') {
    if (!s.rejection) return;
    s.rejection = { ...s.rejection, survey: { ...(e.data ?? {}) } };
    const reason = String(e.data?.reason ?? '');
    if (reason === 'not_relevant') {
      transition(s, 'unsubscribed', 'survey: not relevant (kept for analytics)', now);
      return;
    }
    const months = surveyRevisitMonths(reason, e.data?.revisitMonths);
    s.requalifyAt = s.rejection.at + monthsMs(months);
    record(s, 'requalification_planned', now, { reason: `survey: ${reason || 'answered'}`, payload: { at: new Date(s.requalifyAt).toISOString(), months } });
    return;
  }
  if (s.stage !== 'deferred' && s.stage !== 'rejected') return;
  const at = e.at && Number.isFinite(Date.parse(e.at)) ? Math.min(Date.parse(e.at), now) : now;
  if (at < s.readinessSince) return; // happened before the "no"
  const signal = buyingSignal(e, rulesOf(s));
  if (!signal) return;
  s.signalsSinceNo = [...s.signalsSinceNo, signal];
  record(s, 'buying_signal', now, { reason: signal, payload: { count: s.signalsSinceNo.length, needed: rulesOf(s).buyingSignals.needed } });
  // Strong enough: re-qualify now, for sales (the tick does it, owner first).
  if (s.stage === 'deferred' && s.signalsSinceNo.length >= rulesOf(s).buyingSignals.needed) s.requalifyAt = now;
}

function tick(s: LeadState, noSequence: boolean, now: number): Command[] {
  if (s.paused || isFinal(s.stage)) return [];
  if (s.stage === 'rejected') {
    if (s.requalifyAt === null || s.requalifyAt <= now) {
      s.requalifyAt = now + monthsMs(SURVEY_REASONS_DEFAULT_MONTHS[s.rejection?.reason ?? 'other'] ?? DEFAULT_REQUALIFY_MONTHS);
    }
    // The farewell sequence (entry stage `rejected`) moves the lead to `deferred`; without one, go now.
    if (!s.seq && noSequence) transition(s, 'deferred', 'kept in the deferred-demand base', now);
    return [];
  }
  if (s.stage === 'deferred' && s.requalifyAt !== null && now >= s.requalifyAt) return requalify(s, now);
  return [];
}

function requalify(s: LeadState, now: number): Command[] {
  const rules = rulesOf(s);
  const signals = s.signalsSinceNo;
  const toSales = signals.length >= rules.buyingSignals.needed;
  s.requalifyAt = null;
  rescore(s, rules, now);
  record(s, 'requalified', now, { reason: toSales ? `buying signals: ${signals.join(', ')}` : 'date', payload: { score: s.score, rejection: s.rejection, previousBant: s.bant } });
  // Last year's budget and timing answers say nothing about today: qualify afresh.
  s.bant = {};
  s.bantGapActed = false;
  s.triedManagers = [];
  s.slaMisses = 0;
  s.signalsSinceNo = [];
  leaveSequence(s, 're-qualification', now);
  const refused = s.rejection ? `, refused before: ${s.rejection.reason}` : '';
  const reason = toSales ? `deferred lead showed interest: ${signals.join(', ')} since the "no"` : `re-qualification (score ${s.score}${refused})`;
  // Worth a personal call (buying signals, a score high enough, or the survey said "later"): a
  // re-contact task for the owner of record, told first; the lead goes on either way.
  if (toSales || s.score >= rules.mqlThreshold || surveyAsksForContact(s.rejection?.survey)) {
    const r = s.rejection;
    return [
      {
        kind: 'createRecontactTask',
        then: toSales ? 'sql' : 'nurturing',
        reason,
        req: {
          leadId: s.leadId,
          dedupKey: `${s.leadId}:recontact:${s.rejections}:${now}`,
          score: s.score,
          temperature: s.temperature,
          locale: s.profile.locale,
          ...(s.profile.country ? { country: s.profile.country } : {}),
          previousOwner: s.owner,
          rejection: r ? { ...r, at: new Date(r.at).toISOString() } : null,
          now: new Date(now).toISOString(),
        },
      },
    ];
  }
  transition(s, 'nurturing', reason, now);
  return [];
}

function performed(s: LeadState, m: Performed, now: number): Command[] {
  if (m.command.kind === 'createRecontactTask') {
    const { then, reason } = m.command;
    if (!m.outcome.ok) {
      // Recorded by the boundary: the lead goes on without a task.
      transition(s, then, `${reason}; no re-contact task (${m.outcome.reason})`, now);
      return [];
    }
    const task = m.outcome.value as RecontactTaskResult;
    record(s, 'recontact_task_created', now, { reason: task.why, payload: { taskId: task.taskId, managerId: task.managerId } });
    if (task.managerId) {
      s.owner = task.managerId;
      s.recontactTask = { id: task.taskId, managerId: task.managerId };
    }
    const where = `${reason}: re-contact task for ${task.managerId ?? 'the team'}`;
    if (!task.managerId || !task.managerEmail) {
      transition(s, then, where, now);
      return [];
    }
    return [
      {
        kind: 'sendEmail',
        purpose: { kind: 'recontact-task', then, reason: where },
        mail: { idempotencyKey: `${s.leadId}:recontact-task:${task.taskId}`, template: 'manager-recontact-task', kind: 'transactional', to: task.managerEmail, locale: 'en', variables: { ...card(s, now), taskId: task.taskId, why: task.why, ...task.summary } },
      },
    ];
  }
  if (m.command.kind === 'sendEmail' && m.command.purpose.kind === 'recontact-task') {
    // Sent or not (a failure is recorded), the owner was asked first; now the lead moves on.
    transition(s, m.command.purpose.then, m.command.purpose.reason, now);
  }
  return [];
}
