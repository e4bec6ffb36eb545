// The one client that tells a lead's workflow something from outside (API links and survey, manager
// API, routing wake-ups, bounces). One error policy for every caller: a workflow that has ended (the
// lead became a client, was erased) takes no more signals -- an answer, not a failure: `false`, and
// the database keeps the fact. Anything else (Temporal unreachable, a refused payload) is thrown, so
// an activity retries and an HTTP request fails visibly instead of losing the event.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { leadEventSignal } from '../workflows/lead/messages';
import type { LeadEventSignal } from '../workflows/types';

/** The lead workflow's id: the lead id only (no personal data in ids). */
export const leadWorkflowId = (leadId: string): string => `lead-${leadId}`;

/** Signals a workflow by id; false when it has ended. */
export async function signalWorkflow<Args extends unknown[]>(client: Client, workflowId: string, signal: SignalDefinition<Args>, ...args: Args): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).signal(signal, ...args);
    return true;
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return false;
    throw e;
  }
}

/** A lead event (unsubscribe, open, click, survey answer, bounce) for the lead's workflow. */
export const signalLead = (deps: { temporal: Client }, leadId: string, e: LeadEventSignal): Promise<boolean> => signalWorkflow(deps.temporal, leadWorkflowId(leadId), leadEventSignal, e);
