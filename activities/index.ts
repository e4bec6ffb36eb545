// Every activity the workers register, built from one set of dependencies. The object satisfies
// the workflow's contract (workflows/activity-contract.ts), so a missing or mistyped activity fails
// the type check, not a lead.
import type { Client } from '@temporalio/client';
import type { ErasureActivities, LeadActivities, OfferCampaignActivities } from '../workflows/activity-contract';
import { createCalendarActivities } from './calendar';
import { createClientActivities } from './leads/clients';
import { createContentActivities } from './content';
import { prismaContentStore } from '../domain/content/prisma-store';
import { publishShipped } from '../domain/content/shipped';
import type { Db } from '../domain/db';
import { createEmailActivities, type EmailConfig } from './email/send';
import { createErasureActivities } from './erasure';
import { createLeadStoreActivities } from './leads/lead-store';
import { createOfferAudienceActivities } from './offers/audience';
import { createRoutingActivities } from './sales/routing';
import { createTaskActivities } from './sales/tasks';
import { isSegmentMember } from '../domain/segments/query';

export interface ActivityDeps {
  db: Db;
  email: EmailConfig;
  /** Tells lead workflows about bounces (domain/lead-signal.ts). */
  temporal?: Client;
}

export function createActivities(deps: ActivityDeps): LeadActivities & OfferCampaignActivities & ErasureActivities & { close(): void } {
  const routing = createRoutingActivities({ db: deps.db });
  const content = prismaContentStore(deps.db);
  const email = createEmailActivities({ db: deps.db, config: deps.email, resolveRecipient: routing.resolveRecipient, ...(deps.temporal ? { temporal: deps.temporal } : {}) });
  return {
    ...createLeadStoreActivities({ db: deps.db }),
    ...createCalendarActivities(),
    ...createClientActivities({ db: deps.db }),
    ...createTaskActivities({ db: deps.db }),
    ...createOfferAudienceActivities({ db: deps.db, content }),
    ...createErasureActivities({ db: deps.db }),
    // Marketing content: its published versions, read through the database. What this process
    // ships is published (idempotently) before the first read.
    ...createContentActivities(content, () => publishShipped(content), (segment, leadId) => isSegmentMember(deps.db, segment, leadId)),
    routeLead: routing.routeLead,
    closeAssignment: routing.closeAssignment,
    sendEmail: email.sendEmail,
    close: email.close,
  };
}
