// One run of an offer campaign, started by its Temporal Schedule (worker/schedules.ts): reads the
// matching deferred leads page by page (activity) and signals each lead's workflow with `offer`, a
// bounded number at a time. Each lead workflow mails the offer itself through sendEmail, so its own
// frequency cap and quiet hours apply and the ledger key (lead, run) sends it once.
import * as wf from '@temporalio/workflow';
import type { OfferCampaignActivities } from '../activity-contract';
import { offerSignal, type OfferInput } from '../lead/messages';
import type { OfferCampaign } from './define';

export interface OfferCampaignInput {
  campaignId: string;
  /** The campaign itself, for one-offs and tests; otherwise its current published version is loaded. */
  campaign?: OfferCampaign;
  /** Carried through continue-as-new: */
  runId?: string;
  until?: string;
  cursor?: string | null;
  signalled?: number;
  missed?: number;
}

export interface OfferCampaignResult {
  campaignId: string;
  runId: string;
  /** Lead workflows that took the signal. */
  signalled: number;
  /** Leads whose workflow is gone (finished, erased). */
  missed: number;
}

/** History stays bounded: a run hands over to a fresh one after this many pages. */
export const PAGES_PER_RUN = 10;
const DAY_MS = 86_400_000;

const acts = wf.proxyActivities<OfferCampaignActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

export async function offerCampaign(input: OfferCampaignInput): Promise<OfferCampaignResult> {
  // Published content, loaded through a recorded activity: a new campaign version never changes a replay.
  const def = input.campaign ?? (await acts.loadOfferCampaign(input.campaignId));
  if (!def) throw wf.ApplicationFailure.nonRetryable(`unknown offer campaign "${input.campaignId}"`, 'UnknownOfferCampaign');
  const info = wf.workflowInfo();
  // A scheduled run's workflow id carries its scheduled time: a fresh ledger key per run.
  const runId = input.runId ?? info.workflowId;
  const until = input.until ?? new Date(info.startTime.getTime() + def.validDays * DAY_MS).toISOString();
  const offer: OfferInput = { campaignId: def.id, runId, content: def.offer.content, path: def.offer.path, until };
  let cursor = input.cursor ?? null;
  let signalled = input.signalled ?? 0;
  let missed = input.missed ?? 0;

  for (let page = 0; ; page++) {
    if (page >= PAGES_PER_RUN || wf.workflowInfo().continueAsNewSuggested) {
      return wf.continueAsNew<typeof offerCampaign>({ campaignId: def.id, campaign: def, runId, until, cursor, signalled, missed });
    }
    const p = await acts.listOfferAudience(def.audience, cursor, def.pageSize);
    for (let i = 0; i < p.leadIds.length; i += def.concurrency) {
      const batch = p.leadIds.slice(i, i + def.concurrency);
      const ok = await Promise.all(
        batch.map((id) =>
          wf
            .getExternalWorkflowHandle(`lead-${id}`)
            .signal(offerSignal, offer)
            .then(
              () => true,
              () => false,
            ),
        ),
      );
      signalled += ok.filter(Boolean).length;
      missed += ok.filter((x) => !x).length;
    }
    if (!p.next) break;
    cursor = p.next;
  }
  return { campaignId: def.id, runId, signalled, missed };
}
