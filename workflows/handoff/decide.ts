// Hand-off and SLA: an SQL is routed to a manager, who must accept within the SLA or the lead goes to
// the next one (the second miss escalates to the head of sales); a lead nobody can take waits in the
// queue and is routed again by this loop. Outcomes (won, lost, back to nurturing) close the assignment.
import type { RouteLeadResult } from '../activity-contract';
import type { AcceptAssignmentInput, DeclineAssignmentInput, RecordOutcomeInput } from '../lead/messages';
import { decided, type Command, type Decision, type Performed } from '../lead/commands';
import { draft, leaveSequence, record, transition, type LeadState } from '../lead/state';
import { reject } from '../deferred/reject';
import { card } from './card';

/** A lead nobody could take (or whose routing failed) is routed again after this long. */
export const ROUTE_RETRY_MS = 15 * 60_000;

export type HandoffMessage =
  | { kind: 'tick' }
  | { kind: 'accept'; input: AcceptAssignmentInput }
  /** "Send back" on the card: the next eligible manager gets the lead at once; not an SLA miss. */
  | { kind: 'decline'; input: DeclineAssignmentInput }
  | { kind: 'outcome'; input: RecordOutcomeInput }
  /** A manager's capacity freed: a queued lead routes at once. */
  | { kind: 'capacityFreed' }
  | Performed;

export function decide(state: LeadState, m: HandoffMessage, now: number): Decision {
  const s = draft(state);
  switch (m.kind) {
    case 'tick':
      return decided(s, tick(s, now));
    case 'accept': {
      const a = s.assignment!;
      s.assignment = { ...a, accepted: true };
      s.owner = m.input.managerId;
      s.pendingAssignmentClose = [...s.pendingAssignmentClose, { id: a.id, status: 'accepted' }];
      record(s, 'assignment_accepted', now, { payload: { managerId: m.input.managerId, assignmentId: a.id, withinSla: now <= a.slaDueAt } });
      return decided(s);
    }
    case 'decline': {
      // The manager stays in triedManagers, so routing passes over them this round.
      const a = s.assignment!;
      s.pendingAssignmentClose = [...s.pendingAssignmentClose, { id: a.id, status: 'declined' }];
      s.assignment = null;
      s.owner = null;
      s.nextRouteAt = null;
      record(s, 'assignment_declined', now, { reason: m.input.reason?.trim() || 'sent back by the manager', payload: { managerId: m.input.managerId, assignmentId: a.id } });
      transition(s, 'sql', `sent back by ${m.input.managerId}: re-routing`, now);
      return decided(s);
    }
    case 'outcome':
      outcome(s, m.input, now);
      return decided(s);
    case 'capacityFreed':
      if (s.stage === 'sql' && s.queue === 'awaiting_manager') s.nextRouteAt = null;
      return decided(s);
    case 'performed':
      return decided(s, performed(s, m, now));
  }
}

function tick(s: LeadState, now: number): Command[] {
  const commands: Command[] = s.pendingAssignmentClose.map((c) => ({ kind: 'closeAssignment', assignmentId: c.id, status: c.status }));
  s.pendingAssignmentClose = [];
  if (s.pendingDeal && s.clientId === null) return [...commands, { kind: 'createClient', deal: s.pendingDeal }];
  if (s.paused || ['client', 'unsubscribed', 'erased'].includes(s.stage)) return commands;
  if (s.stage === 'sql' && (s.nextRouteAt === null || now >= s.nextRouteAt)) {
    // Asked once per turn: the retry time holds it until the outcome arrives.
    s.nextRouteAt = now + ROUTE_RETRY_MS;
    commands.push({
      kind: 'routeLead',
      req: {
        leadId: s.leadId,
        temperature: s.temperature,
        locale: s.profile.locale,
        ...(s.profile.country ? { country: s.profile.country } : {}),
        exclude: s.triedManagers,
        ...(s.recontactTask ? { prefer: s.recontactTask.managerId } : {}),
        now: new Date(now).toISOString(),
      },
    });
  }
  if (s.stage === 'handed_off' && s.assignment && !s.assignment.accepted && now >= s.assignment.slaDueAt) commands.push(...slaMissed(s, now));
  return commands;
}

function slaMissed(s: LeadState, now: number): Command[] {
  const a = s.assignment!;
  const commands: Command[] = [{ kind: 'closeAssignment', assignmentId: a.id, status: 'missed' }];
  s.slaMisses += 1;
  s.assignment = null;
  s.owner = null;
  record(s, 'sla_missed', now, { reason: `not accepted by ${a.managerId} before ${new Date(a.slaDueAt).toISOString()}`, payload: { managerId: a.managerId, assignmentId: a.id, misses: s.slaMisses } });
  if (s.slaMisses >= 2) {
    commands.push({
      kind: 'sendEmail',
      purpose: { kind: 'escalation' },
      mail: { idempotencyKey: `${s.leadId}:escalate:${a.id}`, template: 'sales-escalation', kind: 'transactional', locale: 'en', to: 'head-of-sales', variables: { ...card(s, now), misses: s.slaMisses, lastManager: a.managerEmail } },
    });
    record(s, 'escalated', now, { reason: `${s.slaMisses} SLA misses` });
  }
  transition(s, 'sql', `SLA missed by ${a.managerId}: re-routing`, now);
  s.nextRouteAt = null;
  return commands;
}

function outcome(s: LeadState, o: RecordOutcomeInput, now: number): void {
  const a = s.assignment!;
  if (o.outcome === 'won') s.pendingDeal = { ...o.deal!, managerId: o.managerId };
  else if (o.outcome === 'lost') reject(s, { reason: o.reason!, ...(o.note ? { note: o.note } : {}), ...(o.noteId ? { noteId: o.noteId } : {}), by: 'sales' }, now);
  else {
    s.pendingAssignmentClose = [...s.pendingAssignmentClose, { id: a.id, status: 'nurture' }];
    s.assignment = null;
    s.bant = {};
    s.bantGapActed = false;
    transition(s, 'nurturing', `sales: needs nurturing${o.note ? ` (${o.note})` : o.noteId ? ' (note on record)' : ''}`, now);
  }
}

function performed(s: LeadState, m: Performed, now: number): Command[] {
  switch (m.command.kind) {
    case 'routeLead':
      if (!m.outcome.ok) return []; // recorded by the boundary; nextRouteAt retries it
      return routed(s, m.outcome.value as RouteLeadResult, now);
    case 'createClient': {
      const deal = m.command.deal;
      if (!m.outcome.ok) {
        // Recorded; the caller of convertToClient gets the state with the failure named.
        s.pendingDeal = null;
        return [];
      }
      const { clientId } = m.outcome.value as { clientId: string };
      const commands: Command[] = s.assignment ? [{ kind: 'closeAssignment', assignmentId: s.assignment.id, status: 'won' }] : [];
      s.assignment = null;
      s.clientId = clientId;
      leaveSequence(s, 'became a client', now);
      record(s, 'client_created', now, { payload: { clientId, ...deal } });
      transition(s, 'client', 'deal won', now);
      return commands;
    }
    case 'sendEmail':
      if (m.command.purpose.kind === 'handoff-card' && !m.outcome.ok) return cardFailed(s, m.command.purpose.assignmentId, m.outcome.reason, now);
      return [];
    default:
      return []; // closeAssignment, the escalation mail: nothing more to do (failures recorded)
  }
}

/** The manager was never told: the hand-off failed; release it and let the routing loop try again. */
function cardFailed(s: LeadState, assignmentId: string, reason: string, now: number): Command[] {
  if (s.assignment?.id !== assignmentId || s.assignment.accepted) return [];
  s.assignment = null;
  s.owner = null;
  s.triedManagers = s.triedManagers.slice(0, -1);
  record(s, 'handoff_failed', now, { reason, payload: { assignmentId } });
  transition(s, 'sql', `hand-off failed (${reason}): routing again`, now);
  s.nextRouteAt = now + ROUTE_RETRY_MS;
  return [{ kind: 'closeAssignment', assignmentId, status: 'released' }];
}

function routed(s: LeadState, r: RouteLeadResult, now: number): Command[] {
  if (s.stage !== 'sql') return [];
  if (!r.assigned) {
    if (s.queue !== 'awaiting_manager') record(s, 'queued_for_manager', now, { reason: r.reason });
    s.queue = 'awaiting_manager';
    s.nextRouteAt = now + ROUTE_RETRY_MS;
    // Everyone who could take it has missed its SLA once: ask them again from the retry on.
    if (r.onlyTried) {
      record(s, 'routing_round_restarted', now, { reason: r.reason, payload: { tried: s.triedManagers } });
      s.triedManagers = [];
    }
    return [];
  }
  s.queue = null;
  s.nextRouteAt = null;
  s.assignment = { id: r.assignmentId, managerId: r.managerId, managerEmail: r.managerEmail, offeredAt: now, slaDueAt: Date.parse(r.slaDueAt), accepted: false };
  s.owner = r.managerId;
  s.triedManagers = [...s.triedManagers, r.managerId];
  // Offered (to the task's manager when eligible): the re-contact preference has done its job.
  s.recontactTask = null;
  record(s, 'assigned', now, { reason: r.reason, payload: { managerId: r.managerId, assignmentId: r.assignmentId, slaDueAt: r.slaDueAt } });
  transition(s, 'handed_off', `assigned to ${r.managerId}: ${r.reason}`, now);
  return [
    {
      kind: 'sendEmail',
      purpose: { kind: 'handoff-card', assignmentId: r.assignmentId },
      mail: { idempotencyKey: `${s.leadId}:assign:${r.assignmentId}`, template: 'manager-new-lead', kind: 'transactional', to: r.managerEmail, locale: 'en', variables: { ...card(s, now), acceptBy: r.slaDueAt } },
    },
  ];
}
