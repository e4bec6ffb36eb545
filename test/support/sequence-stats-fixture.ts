// A small, hand-computed fixture for the statistics of warm-consideration v1 (steps: 0 send
// case study, 1 wait, 2 send comparison, 3 waitFor (3.onEvent.0 addScore), 4 split A/B (4.v:A.0 and
// 4.v:B.0 send the consultation), 5 waitFor replied (5.onEvent.0 notifySales, 5.onTimeout.0 end)).
// Range 2026-03-01 .. 2026-03-31. The arithmetic behind every figure is written next to it.
import type { Db } from '../../domain/db';

export const SEQ_RANGE = { from: '2026-03-01', to: '2026-03-31' };
const SEQ = 'warm-consideration';
const at = (s: string): Date => new Date(`2026-${s}:00Z`);

// Leads: L1 goes the whole way (variant A, clicks, becomes SQL, leaves on the goal); L2 unsubscribes
// after the first mail; L3's first mail bounces; L4 opens, variant B, waits at step 5 now; L5 (Polish,
// mails only: no step arrivals recorded, as leads from before they were) variant B, becomes MQL,
// at step 5 now; L6 entered before the range, its second mail in it, at step 3 now; L7 after the
// range; L8 erased (its position does not count).
const LEADS = ['L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'L7', 'L8'];

interface Mail { key: string; lead: string; step: string; template: string; locale?: string; at: string; status?: string; sequence?: string }
const MAILS: Mail[] = [
  { key: 'k1-0', lead: 'L1', step: '0', template: 'warm-case-study', at: '03-02T09:00' },
  { key: 'k1-2', lead: 'L1', step: '2', template: 'warm-comparison', at: '03-05T09:00' },
  { key: 'k1-4A', lead: 'L1', step: '4.v:A.0', template: 'warm-consultation', at: '03-10T09:00' },
  { key: 'k2-0', lead: 'L2', step: '0', template: 'warm-case-study', at: '03-03T09:00' },
  { key: 'k3-0', lead: 'L3', step: '0', template: 'warm-case-study', at: '03-04T09:00', status: 'bounced' },
  { key: 'k4-0', lead: 'L4', step: '0', template: 'warm-case-study', at: '03-05T09:00' },
  { key: 'k4-2', lead: 'L4', step: '2', template: 'warm-comparison', at: '03-08T09:00' },
  { key: 'k4-4B', lead: 'L4', step: '4.v:B.0', template: 'warm-consultation', at: '03-12T09:00' },
  { key: 'k5-0', lead: 'L5', step: '0', template: 'warm-case-study', locale: 'pl', at: '03-06T09:00' },
  { key: 'k5-2', lead: 'L5', step: '2', template: 'warm-comparison', locale: 'pl', at: '03-09T09:00' },
  { key: 'k5-4B', lead: 'L5', step: '4.v:B.0', template: 'warm-consultation', locale: 'pl', at: '03-14T09:00' },
  { key: 'k6-0', lead: 'L6', step: '0', template: 'warm-case-study', at: '02-20T09:00' }, // before the range
  { key: 'k6-2', lead: 'L6', step: '2', template: 'warm-comparison', at: '03-02T09:00' },
  { key: 'k7-0', lead: 'L7', step: '0', template: 'warm-case-study', at: '04-02T09:00' }, // after the range
  { key: 'k1-cold', lead: 'L1', step: '0', template: 'cold-ebook', at: '03-01T09:00', sequence: 'cold-education' }, // another sequence
];

type Ev = [lead: string, type: string, when: string, payload: Record<string, unknown>, extra?: { stageTo?: string; reason?: string }];
const step = (lead: string, s: string, when: string): Ev => [lead, 'sequence_step', when, { sequence: SEQ, version: 1, entry: 1, step: s }];
const EVENTS: Ev[] = [
  ...['L1:03-02', 'L2:03-03', 'L3:03-04', 'L4:03-05', 'L5:03-06', 'L6:02-20', 'L7:04-02'].map(
    (x): Ev => [x.split(':')[0], 'sequence_entered', `${x.split(':')[1]}T08:00`, { sequence: SEQ, version: 1, hash: 'h' }],
  ),
  step('L1', '0', '03-02T08:00'), step('L1', '1', '03-02T09:00'), step('L1', '2', '03-05T09:00'), step('L1', '3', '03-05T09:00'),
  step('L1', '4', '03-10T09:00'), step('L1', '4.v:A.0', '03-10T09:00'), step('L1', '5', '03-10T09:00'),
  step('L4', '3', '03-08T09:00'), step('L4', '4', '03-12T09:00'), step('L4', '4.v:B.0', '03-12T09:00'), step('L4', '5', '03-12T09:00'),
  step('L6', '3', '03-02T09:00'), step('L7', '0', '04-02T08:00'),
  ['L1', 'sequence_split', '03-10T09:00', { sequence: SEQ, version: 1, step: '4', variant: 'A', bucket: 10 }],
  ['L4', 'sequence_split', '03-12T09:00', { sequence: SEQ, version: 1, step: '4', variant: 'B', bucket: 70 }],
  ['L5', 'sequence_split', '03-14T09:00', { sequence: SEQ, version: 1, step: '4', variant: 'B', bucket: 80 }],
  // Opens and clicks carry the mail's ledger key. A click alone counts as an open too (k1-2); two opens count once (k4-0).
  ['L1', 'email_opened', '03-02T10:00', { mail: 'k1-0' }],
  ['L1', 'email_clicked', '03-05T10:00', { mail: 'k1-2', url: 'https://x.test/a' }],
  ['L1', 'email_opened', '03-10T10:00', { mail: 'k1-4A' }],
  ['L1', 'email_clicked', '03-10T10:01', { mail: 'k1-4A', url: 'https://x.test/b' }],
  ['L1', 'email_opened', '03-01T10:00', { mail: 'k1-cold' }],
  ['L4', 'email_opened', '03-05T10:00', { mail: 'k4-0' }],
  ['L4', 'email_opened', '03-06T10:00', { mail: 'k4-0' }],
  ['L4', 'email_opened', '03-12T10:00', { mail: 'k4-4B' }],
  ['L6', 'email_opened', '02-21T10:00', { mail: 'k6-0' }],
  // L2 unsubscribes after its first mail: counted for k2-0 (its last marketing mail before it).
  ['L2', 'unsubscribed', '03-04T10:00', {}],
  ['L2', 'sequence_left', '03-04T10:00', { sequence: SEQ, version: 1, position: '1' }, { reason: 'unsubscribed' }],
  ['L3', 'sequence_left', '03-04T09:00', { sequence: SEQ, version: 1, position: '0' }, { reason: 'mail bounced' }],
  ['L1', 'sequence_left', '03-15T09:00', { sequence: SEQ, version: 1, position: '5' }, { reason: 'goal: became sql/handed_off' }],
  ['L7', 'sequence_left', '04-10T09:00', { sequence: SEQ, version: 1, position: '5' }, { reason: 'goal: became sql/handed_off' }],
  // L1 becomes SQL 13 days after entering, L5 MQL 10 days after; L4 a client long after 30 days.
  ['L1', 'stage_changed', '03-15T09:00', {}, { stageTo: 'sql' }],
  ['L5', 'stage_changed', '03-16T09:00', {}, { stageTo: 'mql' }],
  ['L4', 'stage_changed', '05-20T09:00', {}, { stageTo: 'client' }],
];

export async function seedSequenceStatsFixture(db: Db): Promise<void> {
  const where: Record<string, { step: string | null; erased?: boolean }> = { L4: { step: '5' }, L5: { step: '5' }, L6: { step: '3' }, L8: { step: '5', erased: true } };
  await db.lead.createMany({
    data: LEADS.map((id) => ({
      id,
      email: `${id.toLowerCase()}@seq.test`,
      source: 'web_form',
      workflowId: `lead-${id}`,
      ...(where[id] ? { sequenceId: SEQ, sequenceVersion: 1, sequenceStep: where[id].step, sequenceStepAt: at('03-20T00:00') } : {}),
      ...(where[id]?.erased ? { erasedAt: at('03-25T00:00') } : {}),
    })),
  });
  await db.emailLog.createMany({
    data: MAILS.map((m) => ({
      idempotencyKey: m.key,
      leadId: m.lead,
      sequenceId: m.sequence ?? SEQ,
      sequenceVersion: 1,
      step: m.step,
      template: m.template,
      locale: m.locale ?? 'en',
      toAddress: `${m.lead.toLowerCase()}@seq.test`,
      status: m.status ?? 'sent',
      // A bounced mail has no sentAt: its claim time counts. Claims are the wall clock, an hour before.
      sentAt: m.status === 'bounced' ? null : at(m.at),
      createdAt: m.status === 'bounced' ? at(m.at) : new Date(at(m.at).getTime() - 3_600_000),
    })),
  });
  await db.leadEvent.createMany({
    data: EVENTS.map(([lead, type, when, payload, extra], i) => ({ leadId: lead, type, dedupKey: `seq-fixture-${i}`, occurredAt: at(when), payload: payload as object, stageTo: extra?.stageTo ?? null, reason: extra?.reason ?? null })),
  });
}

const mail = (sent: number, delivered: number, bounced: number, uniqueOpens: number, uniqueClicks: number, unsubscribes: number) => ({
  sent,
  delivered,
  bounced,
  uniqueOpens,
  uniqueClicks,
  unsubscribes,
  openRate: delivered ? uniqueOpens / delivered : null,
  clickRate: delivered ? uniqueClicks / delivered : null,
});
const none = mail(0, 0, 0, 0, 0, 0);
const conv = (mql: number, sql: number, client: number) => ({ mql, sql, client });

/** [step, kind, entered, now, mail counts, goal, conversions] */
const STEPS: [string, string, number, number, ReturnType<typeof mail>, number, ReturnType<typeof conv>][] = [
  // L1 (event + mail), L2, L3 (bounced), L4, L5 (mails): 5 entered. Mails: 5 sent, 1 bounced; opens k1-0, k4-0; unsubscribe k2-0.
  // Converted within 30 days of arriving: L1 (SQL 03-15: MQL and SQL), L5 (MQL 03-16).
  ['0', 'send', 5, 0, mail(5, 4, 1, 2, 0, 1), 0, conv(2, 1, 0)],
  ['1', 'wait', 1, 0, none, 0, conv(1, 1, 0)],
  // L1, L4, L5, L6 by their mails (L6's first mail was before the range). Only k1-2 was clicked (so opened).
  ['2', 'send', 4, 0, mail(4, 4, 0, 1, 1, 0), 0, conv(2, 1, 0)],
  // L1, L4, L6 by step events; L6 waits here now.
  ['3', 'waitFor', 3, 1, none, 0, conv(1, 1, 0)],
  ['3.onEvent.0', 'addScore', 0, 0, none, 0, conv(0, 0, 0)],
  ['4', 'split', 2, 0, none, 0, conv(1, 1, 0)],
  ['4.v:A.0', 'send', 1, 0, mail(1, 1, 0, 1, 1, 0), 0, conv(1, 1, 0)],
  // L4 (03-12; its client on 05-20 is too late) and L5 (03-14 -> MQL 03-16).
  ['4.v:B.0', 'send', 2, 0, mail(2, 2, 0, 1, 0, 0), 0, conv(1, 0, 0)],
  // L4 and L5 wait here now (L8 too, but it is erased); L1 left here on its goal.
  ['5', 'waitFor', 2, 2, none, 1, conv(1, 1, 0)],
  ['5.onEvent.0', 'notifySales', 0, 0, none, 0, conv(0, 0, 0)],
  ['5.onTimeout.0', 'end', 0, 0, none, 0, conv(0, 0, 0)],
];

export const SEQ_EXPECTED = {
  sequence: { id: SEQ, name: 'Warm lead drip', versions: [1] },
  range: { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' },
  convertedWithinDays: 30,
  // Entered in the range: L1..L5 (L6 before, L7 after). Now: L4, L5 at 5, L6 at 3. Mails: 12 in the
  // range (k6-0, k7-0 outside; k1-cold another sequence), 1 bounced; opens k1-0, k1-2, k1-4A, k4-0,
  // k4-4B; clicks k1-2, k1-4A.
  totals: { entered: 5, now: 3, ...mail(12, 11, 1, 5, 2, 1), goalReached: 1, converted: conv(2, 1, 0) },
  steps: STEPS.map(([s, kind, entered, now, m, goalReached, converted]) => ({
    version: 1,
    step: s,
    kind,
    entered,
    now,
    ...m,
    goalReached,
    converted,
    template: { '0': 'warm-case-study', '2': 'warm-comparison', '4.v:A.0': 'warm-consultation', '4.v:B.0': 'warm-consultation' }[s] ?? null,
    variants: s.includes('v:') ? [s.split('v:')[1].split('.')[0]] : [],
  })),
  templates: [
    { template: 'warm-case-study', locale: 'en', ...mail(4, 3, 1, 2, 0, 1) },
    { template: 'warm-case-study', locale: 'pl', ...mail(1, 1, 0, 0, 0, 0) },
    { template: 'warm-comparison', locale: 'en', ...mail(3, 3, 0, 1, 1, 0) },
    { template: 'warm-comparison', locale: 'pl', ...mail(1, 1, 0, 0, 0, 0) },
    { template: 'warm-consultation', locale: 'en', ...mail(2, 2, 0, 2, 1, 0) },
    { template: 'warm-consultation', locale: 'pl', ...mail(1, 1, 0, 0, 0, 0) },
  ],
  splits: [
    {
      version: 1,
      step: '4',
      metric: 'click',
      variants: [
        // A: L1 opened and clicked its consultation, left on the goal, SQL within 30 days of the split.
        { name: 'A', percent: 50, leads: 1, opened: 1, clicked: 1, goalReached: 1, converted: conv(1, 1, 0), ...mail(1, 1, 0, 1, 1, 0), rate: 1 },
        // B: L4 opened, nobody clicked; L5 MQL 2 days after the split.
        { name: 'B', percent: 50, leads: 2, opened: 1, clicked: 0, goalReached: 0, converted: conv(1, 0, 0), ...mail(2, 2, 0, 1, 0, 0), rate: 0 },
      ],
      // 1/1 vs 0/2 clicks: pooled p = 1/3, z = 1 / sqrt(1/3 * 2/3 * 1.5) = 1.732, two-sided p = 0.083 > 0.05.
      // Leads per variant for 100% vs 0% at 80% power: (1.96 * sqrt(2 * 0.25))^2 / 1 = 1.92 -> 2; A has 1: 1 more.
      verdict: { status: 'not_significant', leader: 'A', alpha: 0.05, needMorePerVariant: 1 },
    },
  ],
  exits: [
    { version: 1, step: '5', reason: 'goal: became sql/handed_off', leads: 1 },
    { version: 1, step: '0', reason: 'mail bounced', leads: 1 },
    { version: 1, step: '1', reason: 'unsubscribed', leads: 1 },
  ],
};
