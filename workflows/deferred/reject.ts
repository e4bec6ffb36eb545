// A "no" (sales or the lead refused, a lost deal, sales_rejected): the lead leaves sales, and a fresh
// sales-readiness begins: behaviour before the "no" no longer counts toward a return to sales.
import type { RejectInput } from '../lead/messages';
import { emptyBehaviour } from '../qualification/scoring';
import { record, rescore, rulesOf, transition, type LeadState } from '../lead/state';

/** Changes the draft `s` (a decide function's copy). */
export function reject(s: LeadState, r: RejectInput, now: number): void {
  // A note's text only in runs from before the private-notes patch; since, its id (the text is in the database).
  s.rejection = { reason: r.reason, ...(r.note ? { note: r.note } : {}), ...(r.noteId ? { noteId: r.noteId } : {}), by: r.by, at: now };
  s.rejections += 1;
  if (s.assignment) {
    s.pendingAssignmentClose = [...s.pendingAssignmentClose, { id: s.assignment.id, status: 'lost' }];
    s.assignment = null;
  }
  s.readinessSince = now;
  s.behaviour = emptyBehaviour(now);
  s.signalsSinceNo = [];
  record(s, 'readiness_reset', now, { reason: 'a "no": behaviour before it no longer counts toward sales' });
  rescore(s, rulesOf(s), now);
  transition(s, 'rejected', `${r.by}: ${r.reason}${r.note ? ` (${r.note})` : r.noteId ? ' (note on record)' : ''}`, now);
}
