// Qualification: behaviour becomes a score, a score makes an MQL, BANT (or a hot score) makes an SQL.
// Pure: decide(state, message, now) -> next state (and no effects: qualification needs none).
import type { RecordBantInput } from '../lead/messages';
import { eventPoints } from './scoring';
import { BANT_KEYS, type LeadEventSignal } from '../types';
import { decided, type Decision } from '../lead/commands';
import { absorbEvent, bantComplete, bantGap, draft, record, rescore, rulesOf, transition, leaveSequence, type LeadState } from '../lead/state';

export type QualificationMessage =
  /** A behaviour event, at the time it happened (never later than now). */
  | { kind: 'event'; event: LeadEventSignal; at: number }
  | { kind: 'bant'; answers: RecordBantInput['answers'] }
  /** A loop turn: move the lead on if its stage's rule says so. */
  | { kind: 'tick' };

export function decide(state: LeadState, m: QualificationMessage, now: number): Decision {
  const s = draft(state);
  switch (m.kind) {
    case 'event':
      absorb(s, m.event, m.at, now);
      break;
    case 'bant':
      recordBant(s, m.answers, now);
      break;
    case 'tick':
      tick(s, now);
      break;
  }
  return decided(s);
}

function absorb(s: LeadState, e: LeadEventSignal, at: number, now: number): void {
  const rules = rulesOf(s);
  absorbEvent(s, e, eventPoints(e, rules), at, rules, now);
  rescore(s, rules, now);
  switch (e.type) {
    case 'unsubscribed':
      leaveSequence(s, 'unsubscribed', now);
      transition(s, 'unsubscribed', 'lead unsubscribed', now);
      break;
    case 'bounced':
      s.undeliverable = true;
      break;
    case 'consent_confirmed':
      s.profile = { ...s.profile, consent: 'confirmed' };
      break;
    case 'deal_won':
      if (!['client', 'unsubscribed', 'erased'].includes(s.stage) && !s.pendingDeal) {
        s.pendingDeal = { dealValue: Number(e.data?.dealValue ?? 0), grossMargin: Number(e.data?.grossMargin ?? 0), currency: String(e.data?.currency ?? 'EUR') };
      }
      break;
    default:
      break;
  }
}

/** Every answer is kept (a failed one too); new answers let the lead be judged again. */
function recordBant(s: LeadState, answers: RecordBantInput['answers'], now: number): void {
  const at = new Date(now).toISOString();
  let bant = s.bant;
  for (const k of BANT_KEYS) {
    const a = answers[k];
    if (a) bant = { ...bant, [k]: { passed: a.passed, ...(a.note ? { note: a.note } : {}), at } };
  }
  s.bant = bant;
  s.bantGapActed = false;
  record(s, 'bant_recorded', now, { payload: answers as Record<string, unknown> });
}

function tick(s: LeadState, now: number): void {
  const rules = rulesOf(s);
  rescore(s, rules, now);
  const gap = bantGap(s.bant);
  const failedBant = bantComplete(s.bant) && gap.length > 0;
  switch (s.stage) {
    case 'new':
      transition(s, 'nurturing', `first touch via ${s.profile.source}`, now);
      break;
    case 'nurturing':
      // A BANT gap already sent it here: the score alone does not bring it back until the answers change.
      if (s.score >= rules.mqlThreshold && !(failedBant && s.bantGapActed)) transition(s, 'mql', `score ${s.score} >= ${rules.mqlThreshold}`, now);
      break;
    case 'mql':
      if (s.temperature === 'hot') transition(s, 'sql', `hot lead (score ${s.score}): fast track to sales`, now);
      else if (failedBant) {
        record(s, 'bant_gap', now, { reason: gap.join(', '), payload: { gap } });
        s.bantGapActed = true;
        transition(s, 'nurturing', `BANT gap: ${gap.join(', ')}`, now);
      } else if (bantComplete(s.bant)) transition(s, 'sql', 'BANT passed', now);
      else if (s.score < rules.mqlThreshold && Object.keys(s.bant).length === 0) transition(s, 'nurturing', `cooled down (score ${s.score})`, now);
      break;
    default:
      break;
  }
  // Ops asked to re-qualify a nurturing lead now: re-scored above, the rules decide.
  if (s.stage === 'nurturing' && s.requalifyAt !== null && now >= s.requalifyAt) s.requalifyAt = null;
}
