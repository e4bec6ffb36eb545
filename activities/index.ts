// Every activity the workers register, built from one set of dependencies. The object satisfies
// the workflow's contract (workflows/activity-contract.ts), so a missing or mistyped activity fails
// the type check, not a lead.
import type { LeadActivities, OfferCampaignActivities } from '../workflows/activity-contract';
import { createCalendarActivities } from './calendar';
import { createClientActivities } from './clients';
import { createContentActivities } from './content';
import { prismaContentStore } from './content/prisma-store';
import { publishShipped } from './content/shipped';
import type { Db } from './db';
import { createEmailActivities, type EmailConfig } from './email/send';
import { createLeadStoreActivities } from './lead-store';
import { createOfferAudienceActivities } from './offer-audience';
import { createRoutingActivities } from './routing';
import { sqlRunner } from './sql-runner';
import { createTaskActivities } from './tasks';

export interface ActivityDeps {
  db: Db;
  /** The URL `db` was opened on: on a SQLite file the hot queries run their own fast path. */
  databaseUrl: string;
  email: EmailConfig;
  signalBounce?: (leadId: string, key: string, error: string) => Promise<void>;
}

export function createActivities(deps: ActivityDeps): LeadActivities & OfferCampaignActivities & { close(): void } {
  const routing = createRoutingActivities({ db: deps.db });
  // One runner for the ledger and the lead store: on SQLite, one writer thread for the file.
  const sql = sqlRunner(deps.db, deps.databaseUrl);
  const content = prismaContentStore(deps.db);
  const email = createEmailActivities({ db: deps.db, sql, config: deps.email, resolveRecipient: routing.resolveRecipient, ...(deps.signalBounce ? { signalBounce: deps.signalBounce } : {}) });
  return {
    ...createLeadStoreActivities({ db: deps.db, sql }),
    ...createCalendarActivities(),
    ...createClientActivities({ db: deps.db }),
    ...createTaskActivities({ db: deps.db }),
    ...createOfferAudienceActivities({ db: deps.db }),
    // Marketing content: its published versions, read through the database. What this process
    // ships is published (idempotently) before the first read.
    ...createContentActivities(content, () => publishShipped(content)),
    routeLead: routing.routeLead,
    closeAssignment: routing.closeAssignment,
    sendEmail: email.sendEmail,
    close: () => {
      email.close();
      sql.close();
    },
  };
}
