// The one client that tells a lead's workflow something from outside (API links and survey, manager
// API, routing wake-ups, bounces, intake's signal-with-start). One error policy for every caller: a
// workflow that has ended (the lead became a client, was erased) takes no more signals -- an answer,
// not a failure: `false` (or null), and
// the database keeps the fact. Anything else (Temporal unreachable, a refused payload) is thrown, so
// an activity retries and an HTTP request fails visibly instead of losing the event.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import type { LeadWorkflowInput } from '../workflows/lead/lifecycle';
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

/**
 * A lead event, starting the lead's workflow when none runs (a crash between the lead row and its
 * workflow heals on the next event). An ended workflow's id is closed (REJECT_DUPLICATE): its lead is
 * not started over as `new`, and that is the same answer as above: null.
 */
export async function signalOrStartLead(deps: { temporal: Client; taskQueue: string }, start: LeadWorkflowInput, e: LeadEventSignal): Promise<WorkflowHandle | null> {
  try {
    return await deps.temporal.workflow.signalWithStart('leadLifecycle', {
      workflowId: leadWorkflowId(start.leadId),
      taskQueue: deps.taskQueue,
      args: [start],
      signal: leadEventSignal,
      signalArgs: [e],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return null;
    throw err;
  }
}
