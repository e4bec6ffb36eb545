// The answer to the `state` query: why the lead is where it is, in plain ISO times.
import type { LeadView } from './messages';
import { computeScore, type ScoringRules } from '../qualification/scoring';
import { bantGap, type LeadState } from './state';

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export function view(s: LeadState, rules: ScoringRules | null, now: number): LeadView {
  const sc = rules ? computeScore(s.profile, s.behaviour, now, rules) : { total: s.score, profile: 0, behaviour: 0, profileParts: [], events: [], foldedBehaviour: 0 };
  return {
    leadId: s.leadId,
    email: s.profile.email,
    stage: s.stage,
    stageSince: new Date(s.stageSince).toISOString(),
    temperature: s.temperature,
    paused: s.paused,
    score: {
      total: sc.total,
      profile: sc.profile,
      behaviour: sc.behaviour,
      profileParts: sc.profileParts,
      events: sc.events.map((e) => ({ id: e.id, type: e.type, at: new Date(e.at).toISOString(), points: e.points, decayed: e.decayed })),
      foldedBehaviour: sc.foldedBehaviour,
      computedAt: new Date(now).toISOString(),
    },
    bant: s.bant,
    bantGap: bantGap(s.bant),
    owner: s.owner,
    assignment: s.assignment ? { id: s.assignment.id, managerId: s.assignment.managerId, offeredAt: new Date(s.assignment.offeredAt).toISOString(), acceptBy: new Date(s.assignment.slaDueAt).toISOString(), accepted: s.assignment.accepted } : null,
    queue: s.queue,
    sequence: s.seq
      ? {
          id: s.seq.id,
          version: s.seq.version,
          position: s.seq.path.join('.'),
          enteredAt: new Date(s.seq.enteredAt).toISOString(),
          waitingFor: s.seq.waitingFor ? { events: s.seq.waitingFor.events, until: new Date(s.seq.waitingFor.until).toISOString() } : null,
        }
      : null,
    sequencesDone: s.sequencesDone,
    nextWakeAt: iso(s.nextWake?.at),
    nextWakeReason: s.nextWake?.reason ?? null,
    rejection: s.rejection ? { ...s.rejection, at: new Date(s.rejection.at).toISOString() } : null,
    requalifyAt: iso(s.requalifyAt),
    nextHoliday: s.holiday.next ? { date: s.holiday.next.sendAt, name: s.holiday.next.name } : null,
    content: {
      rules: s.rules ? { version: s.rules.version, hash: s.rules.hash } : null,
      sequence: s.seqContent ? { id: s.seqContent.id, version: s.seqContent.version, hash: s.seqContent.hash } : null,
    },
    failures: s.failures.map((f) => ({ ...f, at: new Date(f.at).toISOString() })),
    attention: s.attention ? { ...s.attention, since: new Date(s.attention.since).toISOString(), retryAt: new Date(s.attention.retryAt).toISOString() } : null,
    history: {
      transitions: s.transitions.map((t) => ({ ...t, at: new Date(t.at).toISOString() })),
      eventsReceived: s.eventsReceived,
      duplicatesIgnored: s.duplicatesIgnored,
      runs: s.runs,
    },
  };
}
