// A small, hand-computed KPI fixture: ten leads, four campaigns, five managers, their events,
// clients, assignments, survey answers and mails. The report for KPI_RANGE must equal KPI_EXPECTED;
// the arithmetic behind every figure is written next to it.
import type { Db } from '../../domain/db';
import type { KpiReport } from '../../domain/kpi/report';

export const KPI_RANGE = { from: '2026-03-01', to: '2026-04-30' }; // to inclusive: [03-01, 05-01)

const at = (s: string): Date => new Date(s.length === 10 ? `${s}T00:00:00Z` : s);

interface LeadSpec {
  key: string;
  source: string;
  campaignId?: string;
  firstTouchAt: string;
  /** [stage reached, when, reason] */
  stages: [string, string, string?][];
  client?: { wonAt: string; margin: number; value: number };
}

const leads: LeadSpec[] = [
  // web_form / cpc, in the cohort: the whole way to client; cycle 03-02 -> 03-20 = 18 days.
  { key: 'l1', source: 'web_form', campaignId: 'c1-spring', firstTouchAt: '2026-03-02', stages: [['nurturing', '2026-03-02'], ['mql', '2026-03-05'], ['sql', '2026-03-08'], ['handed_off', '2026-03-09'], ['client', '2026-03-20']], client: { wonAt: '2026-03-20', margin: 500, value: 2000 } },
  // Rejected, deferred, re-qualified straight to SQL, then won: won back; cycle 03-03 -> 04-25 = 53 days.
  { key: 'l2', source: 'web_form', campaignId: 'c1-spring', firstTouchAt: '2026-03-03', stages: [['nurturing', '2026-03-03'], ['mql', '2026-03-10'], ['rejected', '2026-03-15', 'sales: no_budget (next year)'], ['deferred', '2026-03-16'], ['sql', '2026-04-10'], ['handed_off', '2026-04-11'], ['client', '2026-04-25']], client: { wonAt: '2026-04-25', margin: 800, value: 3000 } },
  { key: 'l3', source: 'landing_page', campaignId: 'c2-webinar', firstTouchAt: '2026-03-05', stages: [['nurturing', '2026-03-05'], ['mql', '2026-03-06'], ['sql', '2026-03-07'], ['handed_off', '2026-03-07'], ['rejected', '2026-03-20', 'lead: bad_timing']] },
  // The note mentions another reason; only the reason itself counts.
  { key: 'l4', source: 'landing_page', campaignId: 'c2-webinar', firstTouchAt: '2026-03-10', stages: [['nurturing', '2026-03-10'], ['rejected', '2026-04-01', 'sales: chose_competitor (said: no_budget)']] },
  // chat, no campaign; cycle 04-01 -> 04-05 12:00 = 4.5 days.
  { key: 'l5', source: 'chat', firstTouchAt: '2026-04-01', stages: [['nurturing', '2026-04-01'], ['mql', '2026-04-02'], ['sql', '2026-04-03'], ['handed_off', '2026-04-03'], ['client', '2026-04-05T12:00:00Z']], client: { wonAt: '2026-04-05T12:00:00Z', margin: 300, value: 900 } },
  { key: 'l6', source: 'web_form', campaignId: 'c3-news', firstTouchAt: '2026-04-15', stages: [['nurturing', '2026-04-15'], ['rejected', '2026-04-20', 'ops: other'], ['deferred', '2026-04-21']] },
  // First touched before the range (not in the cohort) but won inside it: a new client of c1; cycle 02-10 -> 03-15 = 33 days.
  { key: 'l7', source: 'web_form', campaignId: 'c1-spring', firstTouchAt: '2026-02-10', stages: [['nurturing', '2026-02-10'], ['mql', '2026-02-12'], ['sql', '2026-02-15'], ['client', '2026-03-15']], client: { wonAt: '2026-03-15', margin: 1000, value: 4000 } },
  // After the range: counts nowhere.
  { key: 'l8', source: 'web_form', campaignId: 'c1-spring', firstTouchAt: '2026-05-03', stages: [['nurturing', '2026-05-03'], ['rejected', '2026-05-05', 'sales: no_budget']], client: { wonAt: '2026-05-10', margin: 9999, value: 9999 } },
  // Before the cohort; its rejection (in the range) has free text, which must not count as no_budget.
  { key: 'l10', source: 'event', firstTouchAt: '2025-12-01', stages: [['nurturing', '2025-12-01'], ['rejected', '2026-04-10', 'ops: no budget']] },
  // In the cohort, but reaches MQL only after the range ends: a lead, not an MQL.
  { key: 'l9', source: 'chat', firstTouchAt: '2026-04-28', stages: [['nurturing', '2026-04-28'], ['mql', '2026-05-02']] },
];

export async function seedKpiFixture(db: Db): Promise<void> {
  await db.campaign.createMany({
    data: [
      // Inside the range: all of the spend.
      { id: 'c1-spring', name: 'Spring search ads', channel: 'cpc', spend: 1000, startsAt: at('2026-03-01'), endsAt: at('2026-05-01') },
      // 02-01 .. 04-02 = 60 days, 32 of them in the range: 600 * 32 / 60 = 320.
      { id: 'c2-webinar', name: 'Q1 webinar', channel: 'event', spend: 600, startsAt: at('2026-02-01'), endsAt: at('2026-04-02') },
      // No dates: all of the recorded spend.
      { id: 'c3-news', name: 'Newsletter <promo> & co', channel: 'email', spend: 200 },
      // Over before the range, no leads in it: left out.
      { id: 'c4-old', name: 'Old 2025', channel: 'cpc', spend: 999, startsAt: at('2025-01-01'), endsAt: at('2025-02-01') },
    ],
  });
  const managers = [
    { id: 'm1', name: 'Anna', active: true, tier: 1 },
    { id: 'm2', name: 'Bob', active: true, tier: 2 },
    { id: 'm3', name: 'Cora', active: false, tier: 1 }, // inactive and idle: left out
    { id: 'm4', name: 'Dan', active: false, tier: 3 }, // inactive, but had an offer in the range
    { id: 'm5', name: 'Eve', active: true, tier: 2 }, // active and idle: shown with zeros
  ];
  for (const m of managers) {
    await db.manager.create({ data: { ...m, email: `${m.id}@sales.test`, languages: [], regions: [], workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }, outOfOffice: [] } });
  }
  for (const l of leads) {
    await db.lead.create({ data: { id: l.key, email: `${l.key}@kpi.test`, source: l.source, campaignId: l.campaignId ?? null, workflowId: `lead-${l.key}`, firstTouchAt: at(l.firstTouchAt), stage: l.stages.at(-1)![0] } });
    let from = 'new';
    let n = 0;
    for (const [to, when, reason] of l.stages) {
      await db.leadEvent.create({ data: { leadId: l.key, type: 'stage_changed', dedupKey: `${l.key}:s${++n}`, stageFrom: from, stageTo: to, reason: reason ?? `to ${to}`, occurredAt: at(when) } });
      from = to;
    }
    // Behaviour events are history too, but no KPI counts them.
    await db.leadEvent.create({ data: { leadId: l.key, type: 'page_viewed', dedupKey: `${l.key}:pv`, payload: { url: '/pricing' }, occurredAt: at(l.firstTouchAt) } });
    if (l.client) {
      await db.client.create({ data: { leadId: l.key, email: `${l.key}@kpi.test`, dealValue: l.client.value, grossMargin: l.client.margin, wonAt: at(l.client.wonAt) } });
    }
  }
  // Temperatures as the workflow records them (l5 never changed: cold, where every lead starts).
  const temperatures: [string, string, string][] = [
    ['l1', 'hot', '2026-03-08T00:00:00Z'],
    ['l3', 'warm', '2026-03-06T00:00:00Z'],
    ['l3', 'hot', '2026-03-07T10:00:00Z'], // between Bob's first offer (09:00, warm) and Anna's (12:00, hot)
    ['l2', 'warm', '2026-03-10T00:00:00Z'],
  ];
  for (const [leadId, to, when] of temperatures) {
    await db.leadEvent.create({ data: { leadId, type: 'temperature_changed', dedupKey: `${leadId}:t:${when}`, payload: { to }, occurredAt: at(when) } });
  }
  const requalified = [['l2', '2026-04-10'], ['l6', '2026-04-29'], ['l3', '2026-05-15']];
  for (const [leadId, when] of requalified) {
    await db.leadEvent.create({ data: { leadId, type: 'requalified', dedupKey: `${leadId}:rq:${when}`, payload: { score: 50 }, occurredAt: at(when) } });
  }
  const assignments: { leadId: string; managerId: string; status: string; assignedAt: string; dueAt: string | null; acceptedAt: string | null }[] = [
    { leadId: 'l1', managerId: 'm1', status: 'won', assignedAt: '2026-03-09T09:00:00Z', dueAt: '2026-03-09T11:00:00Z', acceptedAt: '2026-03-09T10:00:00Z' },
    { leadId: 'l3', managerId: 'm2', status: 'missed', assignedAt: '2026-03-07T09:00:00Z', dueAt: '2026-03-07T11:00:00Z', acceptedAt: null },
    // Offered to Bob twice: counts once.
    { leadId: 'l3', managerId: 'm2', status: 'missed', assignedAt: '2026-03-08T09:00:00Z', dueAt: '2026-03-08T11:00:00Z', acceptedAt: null },
    // Accepted an hour late: received, not within the SLA.
    { leadId: 'l3', managerId: 'm1', status: 'lost', assignedAt: '2026-03-07T12:00:00Z', dueAt: '2026-03-07T14:00:00Z', acceptedAt: '2026-03-07T15:00:00Z' },
    { leadId: 'l5', managerId: 'm2', status: 'won', assignedAt: '2026-04-03T09:00:00Z', dueAt: '2026-04-03T17:00:00Z', acceptedAt: '2026-04-03T10:00:00Z' },
    { leadId: 'l2', managerId: 'm4', status: 'accepted', assignedAt: '2026-04-11T09:00:00Z', dueAt: '2026-04-12T09:00:00Z', acceptedAt: '2026-04-11T12:00:00Z' },
    // No SLA deadline: an acceptance is within it.
    { leadId: 'l2', managerId: 'm1', status: 'lost', assignedAt: '2026-03-12T09:00:00Z', dueAt: null, acceptedAt: '2026-03-12T10:00:00Z' },
    // Before the range.
    { leadId: 'l7', managerId: 'm1', status: 'won', assignedAt: '2026-02-20T09:00:00Z', dueAt: '2026-02-20T11:00:00Z', acceptedAt: '2026-02-20T10:00:00Z' },
  ];
  for (const a of assignments) {
    await db.assignment.create({ data: { leadId: a.leadId, managerId: a.managerId, status: a.status, assignedAt: at(a.assignedAt), dueAt: a.dueAt ? at(a.dueAt) : null, acceptedAt: a.acceptedAt ? at(a.acceptedAt) : null } });
  }
  const surveys: { leadId: string; answers: Record<string, string | number>; current: boolean; submittedAt: string }[] = [
    { leadId: 'l2', answers: { reason: 'no_budget', timing: 'in_6_months', budget: 'small', locale: 'en' }, current: true, submittedAt: '2026-03-16' },
    // Superseded by the next answer: only the current one counts.
    { leadId: 'l3', answers: { reason: 'other', timing: 'not_sure' }, current: false, submittedAt: '2026-03-21' },
    { leadId: 'l3', answers: { reason: 'bad_timing', timing: 'in_3_months' }, current: true, submittedAt: '2026-03-22' },
    { leadId: 'l4', answers: { reason: 'bad_timing', timing: 'in_3_months', budget: 'medium' }, current: true, submittedAt: '2026-04-02' },
    // An answer without the questions (an older form): counted as (none).
    { leadId: 'l6', answers: { comment: 'meh' }, current: true, submittedAt: '2026-04-21' },
    { leadId: 'l8', answers: { reason: 'no_budget', timing: 'in_12_months' }, current: true, submittedAt: '2026-05-06' },
  ];
  for (const s of surveys) await db.surveyResponse.create({ data: { ...s, submittedAt: at(s.submittedAt) } });
  const mails: { leadId: string; template: string; status: string; sentAt: string | null }[] = [
    { leadId: 'l2', template: 'holiday-greeting', status: 'sent', sentAt: '2026-03-31T08:00:00Z' },
    { leadId: 'l3', template: 'holiday-greeting', status: 'sent', sentAt: '2026-04-05T08:00:00Z' },
    { leadId: 'l6', template: 'offer', status: 'sent', sentAt: '2026-04-12T08:00:00Z' },
    { leadId: 'l4', template: 'offer', status: 'bounced', sentAt: null },
    { leadId: 'l4', template: 'offer', status: 'skipped', sentAt: null },
    { leadId: 'l1', template: 'cold-ebook', status: 'sent', sentAt: '2026-03-03T08:00:00Z' },
    { leadId: 'l2', template: 'holiday-greeting', status: 'sent', sentAt: '2026-05-02T08:00:00Z' },
  ];
  let k = 0;
  for (const m of mails) {
    await db.emailLog.create({ data: { idempotencyKey: `kpi-${++k}`, leadId: m.leadId, template: m.template, locale: 'en', toAddress: `${m.leadId}@kpi.test`, status: m.status, sentAt: m.sentAt ? at(m.sentAt) : null } });
  }
}

const funnel = (source: string, leads: number, mql: number, sql: number, clients: number) => ({
  source,
  leads,
  mql,
  sql,
  clients,
  leadToMql: leads ? mql / leads : null,
  mqlToSql: mql ? sql / mql : null,
  sqlToClient: sql ? clients / sql : null,
  leadToClient: leads ? clients / leads : null,
});

/** The report for KPI_RANGE, computed by hand (generatedAt aside). */
/** A count list as the report orders it (the object's order), from `{ key: count }`. */
const counts = (o: Record<string, number>): { key: string; count: number }[] => Object.entries(o).map(([key, count]) => ({ key, count }));

export const KPI_EXPECTED: Omit<KpiReport, 'generatedAt'> = {
  range: { from: '2026-03-01T00:00:00.000Z', to: '2026-05-01T00:00:00.000Z' },
  // Cohort: l1 l2 l6 (web_form), l3 l4 (landing_page), l5 l9 (chat) = 7.
  leads: {
    total: 7,
    bySourceAndChannel: [
      { source: 'chat', channel: '(none)', leads: 2 },
      { source: 'landing_page', channel: 'event', leads: 2 },
      { source: 'web_form', channel: 'cpc', leads: 2 },
      { source: 'web_form', channel: 'email', leads: 1 },
    ],
  },
  funnel: {
    // MQL: l1 l2 l3 l5 (l9's MQL is after the range); SQL: l1 l2 (via re-qualification) l3 l5; clients: l1 l2 l5.
    total: funnel('all', 7, 4, 4, 3),
    bySource: [funnel('web_form', 3, 2, 2, 2), funnel('chat', 2, 1, 1, 1), funnel('landing_page', 2, 1, 1, 0)],
  },
  campaigns: {
    rows: [
      // leads l1 l2; clients won in range l1 (500) l2 (800) l7 (1000) = 2300; CPL 1000/2, CPA 1000/3, ROI (2300-1000)/1000.
      { id: 'c1-spring', name: 'Spring search ads', channel: 'cpc', currency: 'EUR', spend: 1000, leads: 2, clients: 3, grossMargin: 2300, cpl: 500, cpa: 1000 / 3, roi: 1.3 },
      { id: 'c2-webinar', name: 'Q1 webinar', channel: 'event', currency: 'EUR', spend: 320, leads: 2, clients: 0, grossMargin: 0, cpl: 160, cpa: null, roi: -1 },
      { id: 'c3-news', name: 'Newsletter <promo> & co', channel: 'email', currency: 'EUR', spend: 200, leads: 1, clients: 0, grossMargin: 0, cpl: 200, cpa: null, roi: -1 },
    ],
    total: { spend: 1520, leads: 5, clients: 3, grossMargin: 2300, cpl: 1520 / 5, cpa: 1520 / 3, roi: (2300 - 1520) / 1520 },
  },
  salesCycle: {
    // Days: 4.5 (l5), 18 (l1), 33 (l7), 53 (l2). Median = (18 + 33) / 2; p90 = nearest rank ceil(0.9 * 4) = 4th.
    overall: { month: 'all', clients: 4, medianDays: 25.5, p90Days: 53 },
    byMonth: [
      { month: '2026-03', clients: 2, medianDays: 25.5, p90Days: 33 },
      { month: '2026-04', clients: 2, medianDays: 28.75, p90Days: 53 },
    ],
  },
  managers: [
    // Anna: l1 (in SLA, won), l3 (late, lost), l2 (no deadline, lost).
    { id: 'm1', name: 'Anna', received: 3, acceptedInSla: 2, missed: 0, won: 1, lost: 2, slaRate: 2 / 3, conversion: 1 / 3 },
    // Bob: l3 (missed twice), l5 (in SLA, won).
    { id: 'm2', name: 'Bob', received: 2, acceptedInSla: 1, missed: 1, won: 1, lost: 0, slaRate: 0.5, conversion: 0.5 },
    { id: 'm4', name: 'Dan', received: 1, acceptedInSla: 1, missed: 0, won: 0, lost: 0, slaRate: 1, conversion: 0 },
    { id: 'm5', name: 'Eve', received: 0, acceptedInSla: 0, missed: 0, won: 0, lost: 0, slaRate: null, conversion: null },
  ],
  // l2 no_budget, l3 bad_timing, l4 chose_competitor, l6 other, l10 free text (l8's is after the range).
  rejections: {
    total: 5,
    byReason: counts({ '(unrecognised)': 1, bad_timing: 1, chose_competitor: 1, no_budget: 1, other: 1 }),
  },
  // Current answers in range: l2, l3 (second), l4, l6.
  surveyAnswers: {
    reason: counts({ bad_timing: 2, '(none)': 1, no_budget: 1 }),
    timing: counts({ in_3_months: 2, '(none)': 1, in_6_months: 1 }),
    budget: counts({ '(none)': 2, medium: 1, small: 1 }),
  },
  emails: {
    greetingsSent: 2,
    offersSent: 1,
    sentByTemplate: counts({ 'holiday-greeting': 2, 'cold-ebook': 1, offer: 1 }),
  },
  // Re-qualified in range: l2, l6 (l3's is after). Won back: l2 (rejected 03-15, won 04-25).
  requalified: { leads: 2, wonBack: 1 },
  handoff: {
    // Each lead's first offer in the range: l1 hot (03-09; client), l3 warm (03-07 09:00), l2 warm
    // (03-12; client), l5 cold (04-03; client). l7's offer is before the range.
    byBand: [
      { band: 'cold', handedOff: 1, clients: 1, conversion: 1 },
      { band: 'warm', handedOff: 2, clients: 1, conversion: 0.5 },
      { band: 'hot', handedOff: 1, clients: 1, conversion: 1 },
    ],
    // Tier 1 (Anna): l1 won, l3 and l2 lost; tier 2 (Bob): l3 missed, l5 won; tier 3 (Dan): l2 accepted.
    byTier: [
      { tier: 1, received: 3, won: 1, conversion: 1 / 3 },
      { tier: 2, received: 2, won: 1, conversion: 0.5 },
      { tier: 3, received: 1, won: 0, conversion: 0 },
    ],
    // The band at each offer: l3 was warm for Bob's first offer, hot for Anna's and Bob's second.
    byBandAndTier: [
      { band: 'cold', tier: 2, received: 1, won: 1, conversion: 1 },
      { band: 'warm', tier: 1, received: 1, won: 0, conversion: 0 },
      { band: 'warm', tier: 2, received: 1, won: 0, conversion: 0 },
      { band: 'warm', tier: 3, received: 1, won: 0, conversion: 0 },
      { band: 'hot', tier: 1, received: 2, won: 1, conversion: 0.5 },
      { band: 'hot', tier: 2, received: 1, won: 0, conversion: 0 },
    ],
  },
  // No sequence mail or step in this fixture (the cold-ebook mail has no sequence): every sequence with zeros.
  sequences: [
    ['cold-education', 'Cold lead education drip', []],
    ['warm-consideration', 'Warm lead drip', [{ version: 1, step: '4', verdict: 'fewer than two variants have leads yet' }]],
    ['hot-fast-track', 'Hot lead fast track', []],
    ['farewell-survey', 'Farewell and survey', []],
    ['deferred-keep-in-touch', 'Deferred demand keep-in-touch', []],
  ].map(([id, name, abTests]) => ({ id: id as string, name: name as string, entered: 0, now: 0, sent: 0, openRate: null, clickRate: null, unsubscribes: 0, goalReached: 0, clients: 0, abTests: abTests as { version: number; step: string; verdict: string }[] })),
};

/** Numbers rounded to 9 places, so hand-written fractions compare with computed floats. */
export function rounded<T>(v: T): T {
  return JSON.parse(JSON.stringify(v), (_k, x) => (typeof x === 'number' ? Math.round(x * 1e9) / 1e9 : x)) as T;
}
