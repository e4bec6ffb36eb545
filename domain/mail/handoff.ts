// The parts of a hand-off mail (the manager's new-lead card, the SLA reminder) that come from the
// offer itself, the Assignment row routeLead wrote, filled by the send activity: the manager's
// language, the deadline in the manager's timezone and language, and the signed Accept / Send back
// links for exactly that offer (api/handoff.ts serves them).
import { DateTime, IANAZone } from 'luxon';
import type { Db } from '../db';
import type { LinkBuilder } from './links';
import { resolveLocale, TEMPLATES, type TemplateSpec } from './templates';

/** Templates that offer a lead to a manager: those that take the Accept / Send back links. */
export const HANDOFF_TEMPLATES: ReadonlySet<string> = new Set(Object.entries(TEMPLATES as Record<string, TemplateSpec>).filter(([, t]) => t.provided?.includes('acceptUrl')).map(([id]) => id));
/**
 * The links keep working this long past the deadline: the SLA timer may fire late (a worker down),
 * and until it has, accepting is still right. Whether the offer is open is checked on every use.
 */
export const HANDOFF_LINK_GRACE_MS = 86_400_000;

/** "Mon, 7 Dec 2026, 12:00 CET" in the manager's zone, in the mail's language (its regional style when the locale has one). */
export function formatDeadline(at: Date, timezone: string, locale: string): string {
  const lang = resolveLocale(locale);
  // en-GB keeps its British date style; a language the mails are not written in (de) would put a
  // German date into an English mail: the mail's own language then.
  const style = locale.toLowerCase().split(/[-_]/)[0] === lang ? locale : lang;
  const zone = IANAZone.isValidZone(timezone) ? timezone : 'UTC';
  return DateTime.fromJSDate(at, { zone }).setLocale(style).toLocaleString({ weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
}

export interface HandoffParts {
  /** The manager's language: the mail is written in it. */
  locale: string;
  variables: { acceptBy: string; acceptUrl: string; sendBackUrl: string };
}

/** The latest offer of the lead to the manager at `to`; null when there is none (nothing to act on). */
export async function handoffParts(db: Db, links: LinkBuilder, leadId: string, to: string): Promise<HandoffParts | null> {
  const a = await db.assignment.findFirst({ where: { leadId, manager: { email: to.toLowerCase() } }, orderBy: { assignedAt: 'desc' }, include: { manager: true } });
  if (!a) return null;
  const due = a.dueAt ?? a.assignedAt;
  const expires = new Date(due.getTime() + HANDOFF_LINK_GRACE_MS);
  const offer = { assignmentId: a.id, leadId, managerId: a.managerId };
  return {
    locale: a.manager.locale,
    variables: { acceptBy: formatDeadline(due, a.manager.timezone, a.manager.locale), acceptUrl: links.handoff('accept', offer, expires), sendBackUrl: links.handoff('back', offer, expires) },
  };
}
