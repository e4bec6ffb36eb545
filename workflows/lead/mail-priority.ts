// Which mail the mail queue hands out first when it has a backlog (Temporal task priority, 1 goes
// first, 3 is the default): a holiday burst of 10,000 greetings must not hold back a manager's card
// or a new lead's welcome mail behind it (bench/latency.ts --burst).
import type { MailPurpose, MailRequest } from './commands';

export const MAIL_PRIORITY = {
  /** Mail a person waits for: double opt-in, a manager's lead card, an escalation, a re-contact task. */
  transactional: 1,
  /** One lead's own nurture: its sequence's next mail (the welcome mail among them). */
  individual: 2,
  /** The deferred base's campaigns, sent to many leads at the same moment: greetings, offers. */
  campaign: 4,
} as const;

export function mailPriority(mail: Pick<MailRequest, 'kind'>, purpose?: MailPurpose['kind']): number {
  if (mail.kind === 'transactional') return MAIL_PRIORITY.transactional;
  return purpose === 'greeting' || purpose === 'offer' ? MAIL_PRIORITY.campaign : MAIL_PRIORITY.individual;
}
