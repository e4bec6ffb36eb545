// What decide functions ask of the world. A concern's `decide(state, message, now)` returns the
// next state and these commands; the shell performs each through the effect boundary
// (workflows/lead/effects.ts) and hands its outcome back to the same concern as a message.
import type { HolidayOccurrence, RecontactTaskRequest, RecontactTaskResult, RouteLeadRequest, RouteLeadResult, SendEmailRequest, SendEmailResult } from '../activity-contract';
import type { ClientDeal } from '../types';
import type { LeadState } from './state';

export type AssignmentStatus = 'accepted' | 'declined' | 'missed' | 'released' | 'won' | 'lost' | 'nurture';

/** A mail without the fields the shell fills in (lead id, its locale unless given, workflow time). */
export type MailRequest = Omit<SendEmailRequest, 'leadId' | 'locale' | 'now'> & { locale?: string };

/** Why a mail is sent: tells the concern what its outcome means. */
export type MailPurpose =
  | { kind: 'double-opt-in' }
  | { kind: 'handoff-card'; assignmentId: string }
  | { kind: 'escalation' }
  | { kind: 'recontact-task'; then: 'nurturing' | 'sql'; reason: string }
  | { kind: 'offer'; campaignId: string; runId: string }
  | { kind: 'greeting'; occurrence: HolidayOccurrence };

export type Command =
  | { kind: 'sendEmail'; purpose: MailPurpose; mail: MailRequest }
  | { kind: 'routeLead'; req: RouteLeadRequest }
  | { kind: 'closeAssignment'; assignmentId: string; status: AssignmentStatus }
  | { kind: 'createClient'; deal: ClientDeal }
  /** `then`: where the lead goes once its owner of record has the task. */
  | { kind: 'createRecontactTask'; req: RecontactTaskRequest; then: 'nurturing' | 'sql'; reason: string }
  | { kind: 'nextHoliday'; country: string; locale: string; timezone: string; after: string };

/** What each command's activity returns when it succeeds. */
export interface CommandValue {
  sendEmail: SendEmailResult;
  routeLead: RouteLeadResult;
  closeAssignment: void;
  createClient: { clientId: string };
  createRecontactTask: RecontactTaskResult;
  nextHoliday: HolidayOccurrence | null;
}

/** An effect's outcome: its value, or why it failed for good (the boundary has recorded it already). */
export type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The outcome of one command, as the message that carries it back to its concern. */
export type Performed = { [K in Command['kind']]: { kind: 'performed'; command: Extract<Command, { kind: K }>; outcome: Outcome<CommandValue[K]> } }[Command['kind']];

export interface Decision {
  state: LeadState;
  commands: Command[];
}

export const decided = (state: LeadState, commands: Command[] = []): Decision => ({ state, commands });
