// Tells a lead's workflow (id `lead-<leadId>`) about an event from outside: the API's links and
// survey, the worker's bounce handling.
import type { Client } from '@temporalio/client';
import { leadEventSignal } from '../workflows/lead/messages';
import type { LeadEventSignal } from '../workflows/types';

export async function signalLead(deps: { temporal: Client }, leadId: string, e: LeadEventSignal): Promise<void> {
  try {
    await deps.temporal.workflow.getHandle(`lead-${leadId}`).signal(leadEventSignal, e);
  } catch {
    // A finished lead workflow (client, erased) takes no more events; the database keeps the fact.
  }
}
