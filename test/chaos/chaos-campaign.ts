// What every chaos scenario does around its fault: leads into the chaos drip (two real mails each,
// bench/sequences.ts), wait for the sink, then check the counts exactly (0 lost, 0 duplicated) in the
// sink and in the database, and print what was checked.
import { pool } from '../../bench/report';
import { CHAOS_MAILS_PER_LEAD } from '../../bench/sequences';
import { waitForMails, type BenchStack } from '../../bench/stack';

export { waitForMails };

export const chaosLeads = (fallback: number): number => Number(process.env.CHAOS_LEADS ?? fallback);

export async function intakeLeads(stack: BenchStack, n: number, from = 0): Promise<string[]> {
  const ids: string[] = [];
  await pool(n, 20, async (i) => {
    ids[i] = (await stack.intake(from + i, 'chaos')).leadId;
  });
  return ids;
}


export interface ExactCounts {
  leads: number;
  mailsAtSink: number;
  distinctMessageIds: number;
  expected: number;
  /** Message-IDs received more than once. */
  duplicateMessageIds: number;
  leadsWithWrongCount: number;
  emailLogSent: number;
  emailLogNotSent: number;
  leadsMissingEvents: number;
}

/** Waits for the expected mails, lets stragglers (duplicates) arrive, then counts everything. */
export async function exactCounts(stack: BenchStack, leadIds: string[], settleMs = 5000): Promise<ExactCounts> {
  const expected = leadIds.length * CHAOS_MAILS_PER_LEAD;
  await waitForMails(stack, expected);
  await new Promise((r) => setTimeout(r, settleMs));
  const perLead = stack.sink.byRecipient();
  const db = stack.db.db;
  const logs = await db.emailLog.groupBy({ by: ['status'], _count: { _all: true } });
  const sent = logs.find((l) => l.status === 'sent')?._count._all ?? 0;
  // Every lead's history has its start written once: lead_created and sequence_entered.
  const events = await db.leadEvent.groupBy({ by: ['leadId', 'type'], where: { type: { in: ['lead_created', 'sequence_entered'] } }, _count: { _all: true } });
  const complete = new Set(leadIds.filter((id) => events.filter((e) => e.leadId === id && e._count._all === 1).length === 2));
  const counts: ExactCounts = {
    leads: leadIds.length,
    mailsAtSink: stack.sink.count(),
    distinctMessageIds: stack.sink.distinct(),
    expected,
    duplicateMessageIds: stack.sink.duplicates().length,
    leadsWithWrongCount: [...perLead.values()].filter((n) => n !== CHAOS_MAILS_PER_LEAD).length + (leadIds.length - perLead.size),
    emailLogSent: sent,
    emailLogNotSent: logs.filter((l) => l.status !== 'sent').reduce((a, l) => a + l._count._all, 0),
    leadsMissingEvents: leadIds.length - complete.size,
  };
  console.log(`counts checked: ${JSON.stringify(counts)}`);
  return counts;
}

/** 0 lost and 0 duplicated: every mail once at the sink, once in the ledger, every lead complete. */
export function expectExact(c: ExactCounts): void {
  expect(c).toEqual({ ...c, mailsAtSink: c.expected, distinctMessageIds: c.expected, duplicateMessageIds: 0, leadsWithWrongCount: 0, emailLogSent: c.expected, emailLogNotSent: 0, leadsMissingEvents: 0 });
}

/**
 * After a SIGKILL: 0 lost, and a mail re-sent only if the kill fell between the SMTP server's 250
 * and the ledger's `sent` commit (the two cannot be one atomic step). Such a re-send carries the same
 * Message-ID, which receivers that de-duplicate (Gmail does) fold into one; at most the sends in
 * flight at the kill (the SMTP pool's 5 connections) can repeat.
 */
export function expectNoneLost(c: ExactCounts, inFlightBound: number): void {
  expect(c).toEqual({ ...c, distinctMessageIds: c.expected, leadsWithWrongCount: 0, emailLogSent: c.expected, emailLogNotSent: 0, leadsMissingEvents: 0 });
  expect(c.mailsAtSink - c.distinctMessageIds).toBeLessThanOrEqual(inFlightBound);
}
