// A refusal note ("budget frozen until Q3") is free text about a person: it is kept in the database
// (a `refusal_note` LeadEvent, whose payload an erasure scrubs) and never in the lead workflow's
// history. Whoever rejects a lead with a note stores it here first and hands the workflow only its id
// (`noteId` of the reject update or of a lost outcome); the re-contact task activity reads it back.
import type { Client } from '@temporalio/client';
import type { Db } from '../db';
import { leadWorkflowId } from '../lead-signal';
import { rejectUpdate, type LeadView, type RejectInput } from '../../workflows/lead/messages';

export const REFUSAL_NOTE_EVENT = 'refusal_note';
/** As long as a note may be: the re-contact mail shows up to 2,000 characters of it. */
export const REFUSAL_NOTE_MAX = 5000;

/** Stores the note; its id is what the workflow may carry. */
export async function recordRefusalNote(db: Db, leadId: string, note: string, at = new Date()): Promise<string> {
  const text = note.trim();
  if (!text || text.length > REFUSAL_NOTE_MAX) throw new Error(`note: 1 to ${REFUSAL_NOTE_MAX} characters`);
  const row = await db.leadEvent.create({ data: { leadId, type: REFUSAL_NOTE_EVENT, payload: { note: text }, occurredAt: at }, select: { id: true } });
  return row.id;
}

/** The note `noteId` of the lead; null when unknown or erased. */
export async function refusalNoteText(db: Db, leadId: string, noteId: string): Promise<string | null> {
  const row = await db.leadEvent.findFirst({ where: { id: noteId, leadId, type: REFUSAL_NOTE_EVENT }, select: { payload: true } });
  const note = (row?.payload as { note?: unknown } | null)?.note;
  return typeof note === 'string' ? note : null;
}

/** Rejects the lead through its workflow, the note (if any) stored first and passed by id. */
export async function rejectLead(deps: { db: Db; temporal: Client }, leadId: string, input: Omit<RejectInput, 'noteId'>): Promise<LeadView> {
  const { note, ...rest } = input;
  const noteId = note ? await recordRefusalNote(deps.db, leadId, note) : undefined;
  return deps.temporal.workflow.getHandle(leadWorkflowId(leadId)).executeUpdate(rejectUpdate, { args: [{ ...rest, ...(noteId ? { noteId } : {}) }] });
}
