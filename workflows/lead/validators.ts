// Update validators: a bad call is refused with a reason before anything is recorded. Pure checks
// over the state (they throw; the SDK turns that into the caller's error).
import type { AcceptAssignmentInput, ChangeOwnerInput, DeclineAssignmentInput, RecordBantInput, RecordOutcomeInput, RejectInput } from './messages';
import { BANT_KEYS, REJECTION_REASONS, type ClientDeal, type RejectionReason } from '../types';
import { isFinal, type LeadState } from './state';

export function notFinal(s: LeadState): void {
  if (isFinal(s.stage)) throw new Error(`lead is ${s.stage}: no further changes`);
}

export function validateBant(s: LeadState, { answers }: RecordBantInput): void {
  notFinal(s);
  const keys = Object.keys(answers ?? {});
  if (!keys.length) throw new Error('answers: at least one of budget, authority, need, timing is required');
  for (const k of keys) {
    if (!(BANT_KEYS as readonly string[]).includes(k)) throw new Error(`answers.${k}: unknown BANT key (budget, authority, need, timing)`);
    if (typeof answers[k as keyof typeof answers]?.passed !== 'boolean') throw new Error(`answers.${k}.passed: must be true or false`);
  }
  if (!['nurturing', 'mql', 'sql', 'handed_off'].includes(s.stage)) throw new Error(`BANT is recorded in nurturing, mql, sql or handed_off, not ${s.stage}`);
}

export function validateRejection(s: LeadState, r: { reason?: RejectionReason }): void {
  notFinal(s);
  if (!r.reason || !REJECTION_REASONS.includes(r.reason)) throw new Error(`reason: must be one of ${REJECTION_REASONS.join(', ')}`);
  if (s.stage === 'rejected' || s.stage === 'deferred') throw new Error(`lead is already ${s.stage}`);
}

/** Free text would stay in the workflow's history (an update's input is recorded): refused when `privateNotes`. */
function noteByReference(i: { note?: unknown; noteId?: unknown }, privateNotes: boolean): void {
  if (privateNotes && i.note !== undefined) throw new Error('note: free text is not taken by the workflow; store it with recordRefusalNote (domain/sales/refusal-note.ts) and pass noteId');
  if (i.noteId !== undefined && (typeof i.noteId !== 'string' || !i.noteId || i.noteId.length > 100)) throw new Error('noteId: the id of a stored refusal note');
}

export function validateReject(s: LeadState, r: RejectInput, privateNotes = false): void {
  validateRejection(s, r);
  if (!['sales', 'lead', 'ops'].includes(r.by)) throw new Error('by: must be sales, lead or ops');
  noteByReference(r, privateNotes);
}

export function validateDeal(d: Partial<ClientDeal> | undefined): void {
  if (!d) throw new Error('deal: required');
  if (typeof d.dealValue !== 'number' || !(d.dealValue >= 0)) throw new Error('dealValue: must be a number >= 0');
  if (typeof d.grossMargin !== 'number' || !Number.isFinite(d.grossMargin)) throw new Error('grossMargin: must be a number');
  if (typeof d.currency !== 'string' || !/^[A-Z]{3}$/.test(d.currency)) throw new Error('currency: must be a 3-letter ISO code');
}

export function validateConversion(s: LeadState, deal: ClientDeal): void {
  notFinal(s);
  if (s.pendingDeal) throw new Error('a conversion is already in progress');
  validateDeal(deal);
}

export function validateRequalify(s: LeadState): void {
  notFinal(s);
  if (!['rejected', 'deferred', 'nurturing'].includes(s.stage)) throw new Error(`re-qualification applies to nurturing, rejected or deferred leads, not ${s.stage}`);
}

export function validateChangeOwner(s: LeadState, i: ChangeOwnerInput): void {
  notFinal(s);
  if (i.managerId !== null && (typeof i.managerId !== 'string' || !i.managerId)) throw new Error('managerId: a manager id or null');
  if (typeof i.reason !== 'string' || !i.reason.trim()) throw new Error('reason: required');
}

function requireAssignee(s: LeadState, managerId: string): void {
  notFinal(s);
  if (s.stage !== 'handed_off' || !s.assignment) throw new Error(`lead is ${s.stage}, not handed off`);
  if (s.assignment.managerId !== managerId) throw new Error(`managerId: the lead is assigned to another manager`);
}

/** An offer still open to `managerId`; with `assignmentId` (a signed link's), that very offer. */
function requireOpenOffer(s: LeadState, managerId: string, assignmentId: string | undefined): void {
  requireAssignee(s, managerId);
  if (assignmentId !== undefined && s.assignment!.id !== assignmentId) throw new Error('assignmentId: this offer is closed (the lead was offered again since)');
  if (s.assignment!.accepted) throw new Error('assignment already accepted');
}

export function validateAccept(s: LeadState, { managerId, assignmentId }: AcceptAssignmentInput): void {
  requireOpenOffer(s, managerId, assignmentId);
}

export function validateDecline(s: LeadState, { managerId, assignmentId, reason }: DeclineAssignmentInput): void {
  requireOpenOffer(s, managerId, assignmentId);
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > 500)) throw new Error('reason: text of at most 500 characters');
}

export function validateOutcome(s: LeadState, o: RecordOutcomeInput, privateNotes = false): void {
  requireAssignee(s, o.managerId);
  noteByReference(o, privateNotes);
  if (!['won', 'lost', 'nurture'].includes(o.outcome)) throw new Error('outcome: must be won, lost or nurture');
  if (o.outcome === 'won') validateDeal(o.deal);
  if (o.outcome === 'lost') validateRejection(s, o);
}
