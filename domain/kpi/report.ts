// KPI report for a date range, computed in the database: SQL through pg (domain/sql.ts), each
// query with the range as $1 (from) and $2 (to). Percentiles use window functions with the
// nearest-rank rule.
import type { Db } from '../db';
import { sqlOf } from '../sql';
import { REJECTION_REASONS } from '../../workflows/types';
import type { KpiRange } from './range';
import { sequenceKpis } from './sequence-stats';

/** Stages at or past MQL / SQL: a lead that reached any of them passed that funnel step. */
const MQL_OR_LATER = ['mql', 'sql', 'handed_off', 'client'];
const SQL_OR_LATER = ['sql', 'handed_off', 'client'];
/** Templates that count as greetings and offers (EmailLog.template). */
export const GREETING_TEMPLATE = 'holiday-greeting';
export const OFFER_TEMPLATE = 'offer';

export { checkRange, kpiRangeFields, kpiRangeSchema, resolveRange, type KpiRange, type KpiRangeInput } from './range';

export interface SourceChannelRow { source: string; channel: string; leads: number }
export interface FunnelRow {
  source: string;
  leads: number;
  mql: number;
  sql: number;
  clients: number;
  leadToMql: number | null;
  mqlToSql: number | null;
  sqlToClient: number | null;
  leadToClient: number | null;
}
export interface CampaignRow {
  id: string;
  name: string;
  channel: string;
  currency: string;
  /** Spend attributed to the range: prorated by days when the campaign has start and end dates. */
  spend: number;
  leads: number;
  clients: number;
  grossMargin: number;
  cpl: number | null;
  cpa: number | null;
  roi: number | null;
}
export interface CycleRow { month: string; clients: number; medianDays: number | null; p90Days: number | null }
export interface ManagerRow {
  id: string;
  name: string;
  received: number;
  acceptedInSla: number;
  missed: number;
  won: number;
  lost: number;
  slaRate: number | null;
  conversion: number | null;
}
export interface CountRow { key: string; count: number }
export const BANDS = ['cold', 'warm', 'hot'] as const;
export type Band = (typeof BANDS)[number];
/** Leads by their temperature at their first hand-off in the range, and how many became clients. */
export interface BandRow { band: Band; handedOff: number; clients: number; conversion: number | null }
/** Leads offered to managers of a tier in the range, and how many of those offers were won. */
export interface TierRow { tier: number; received: number; won: number; conversion: number | null }
export interface BandTierRow { band: Band; tier: number; received: number; won: number; conversion: number | null }
/** One sequence's headline figures for the range (details: GET /sequences/:id). */
export interface SequenceKpiRow {
  id: string;
  name: string;
  entered: number;
  now: number;
  sent: number;
  openRate: number | null;
  clickRate: number | null;
  unsubscribes: number;
  goalReached: number;
  clients: number;
  abTests: { version: number; step: string; verdict: string }[];
}
/** The survey page's single-choice questions (api/survey.ts), counted per answer. */
export const SURVEY_QUESTIONS = ['reason', 'timing', 'budget'] as const;
export type SurveyQuestion = (typeof SURVEY_QUESTIONS)[number];

export interface KpiReport {
  range: { from: string; to: string };
  generatedAt: string;
  leads: { total: number; bySourceAndChannel: SourceChannelRow[] };
  funnel: { total: FunnelRow; bySource: FunnelRow[] };
  campaigns: { rows: CampaignRow[]; total: Omit<CampaignRow, 'id' | 'name' | 'channel' | 'currency'> };
  salesCycle: { overall: CycleRow; byMonth: CycleRow[] };
  managers: ManagerRow[];
  rejections: { total: number; byReason: CountRow[] };
  /** Current survey answers submitted in the range, per question; (none) where a question was not answered. */
  surveyAnswers: Record<SurveyQuestion, CountRow[]>;
  emails: { greetingsSent: number; offersSent: number; sentByTemplate: CountRow[] };
  requalified: { leads: number; wonBack: number };
  /** "Give hot leads to the best managers", checked against the numbers. */
  handoff: { byBand: BandRow[]; byTier: TierRow[]; byBandAndTier: BandTierRow[] };
  sequences: SequenceKpiRow[];
}

/** Sums and averages come as numeric (text); the report wants numbers. */
const num = (v: unknown): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : Number(typeof v === 'object' && 'toString' in v ? String(v) : v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
/** Orders in code, not SQL: the database's text collation depends on its locale ('(none)' vs 'no_budget'). */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const countsDesc = (rows: CountRow[]): CountRow[] => [...rows].sort((a, b) => b.count - a.count || byText(a.key, b.key));

function funnelRow(source: string, leads: number, mql: number, sql: number, clients: number): FunnelRow {
  return { source, leads, mql, sql, clients, leadToMql: ratio(mql, leads), mqlToSql: ratio(sql, mql), sqlToClient: ratio(clients, sql), leadToClient: ratio(clients, leads) };
}

// A lead first touched in the range.
const LEAD_IN_RANGE = `l."firstTouchAt" >= $1 AND l."firstTouchAt" < $2`;
/** A stage in the array parameter `param` reached (by its stage_changed event) before the end of the range. */
const reached = (param: string) =>
  `CASE WHEN EXISTS (SELECT 1 FROM "LeadEvent" e WHERE e."leadId" = l."id" AND e."type" = 'stage_changed' AND e."stageTo" = ANY(${param}::text[]) AND e."occurredAt" < $2) THEN 1 ELSE 0 END`;

const SOURCE_CHANNEL_SQL = `
  SELECT l."source" AS "source", COALESCE(c."channel", '(none)') AS "channel", COUNT(*) AS "leads"
  FROM "Lead" l LEFT JOIN "Campaign" c ON c."id" = l."campaignId"
  WHERE ${LEAD_IN_RANGE}
  GROUP BY l."source", COALESCE(c."channel", '(none)')`;

// Cohort funnel: leads first touched in the range and how far each got by the range's end.
// $3, $4, $5: the stages at or past MQL, at or past SQL, client.
const FUNNEL_SQL = `
  SELECT l."source" AS "source", COUNT(*) AS "leads", SUM(${reached('$3')}) AS "mql", SUM(${reached('$4')}) AS "sql", SUM(${reached('$5')}) AS "clients"
  FROM "Lead" l
  WHERE ${LEAD_IN_RANGE}
  GROUP BY l."source"`;

// Leads first touched and clients won in the range, per campaign; campaigns running in the range
// or with such leads or clients.
const CAMPAIGN_SQL = `
  SELECT c."id" AS "id", c."name" AS "name", c."channel" AS "channel", c."currency" AS "currency", c."spend" AS "spend",
         c."startsAt" AS "startsAt", c."endsAt" AS "endsAt", x."leads" AS "leads", y."clients" AS "clients", y."margin" AS "margin"
  FROM "Campaign" c
  JOIN (SELECT c2."id" AS "id", COUNT(l."id") AS "leads" FROM "Campaign" c2 LEFT JOIN "Lead" l ON l."campaignId" = c2."id" AND ${LEAD_IN_RANGE} GROUP BY c2."id") x ON x."id" = c."id"
  JOIN (SELECT c3."id" AS "id", COUNT(k."id") AS "clients", SUM(k."grossMargin") AS "margin"
        FROM "Campaign" c3 LEFT JOIN "Lead" l ON l."campaignId" = c3."id" LEFT JOIN "Client" k ON k."leadId" = l."id" AND k."wonAt" >= $1 AND k."wonAt" < $2
        GROUP BY c3."id") y ON y."id" = c."id"
  WHERE x."leads" > 0 OR y."clients" > 0
     OR (c."startsAt" IS NOT NULL AND c."endsAt" IS NOT NULL AND c."startsAt" < $2 AND c."endsAt" > $1)`;

// First touch -> won, in days, for clients won in the range: per month of winning and overall.
const CYCLE_SQL = `
  WITH c AS (
    SELECT to_char(k."wonAt", 'YYYY-MM') AS "month", EXTRACT(EPOCH FROM (k."wonAt" - l."firstTouchAt")) / 86400.0 AS "days"
    FROM "Client" k JOIN "Lead" l ON l."id" = k."leadId"
    WHERE k."wonAt" >= $1 AND k."wonAt" < $2
  ), g AS (
    SELECT "month", "days" FROM c UNION ALL SELECT 'all' AS "month", "days" FROM c
  ), r AS (
    SELECT "month", "days", ROW_NUMBER() OVER (PARTITION BY "month" ORDER BY "days") AS "rn", COUNT(*) OVER (PARTITION BY "month") AS "n" FROM g
  )
  SELECT "month", MAX("n") AS "n",
         CAST(AVG(CASE WHEN "rn" IN (("n" + 1) / 2, ("n" + 2) / 2) THEN "days" END) AS DOUBLE PRECISION) AS "median",
         CAST(MAX(CASE WHEN "rn" = (9 * "n" + 9) / 10 THEN "days" END) AS DOUBLE PRECISION) AS "p90"
  FROM r GROUP BY "month"`;

// Offers made in the range, per manager. A lead offered twice to one manager counts once.
const MANAGER_SQL = `
  SELECT m."id" AS "id", m."name" AS "name",
         COUNT(DISTINCT a."leadId") AS "received",
         COUNT(DISTINCT CASE WHEN a."acceptedAt" IS NOT NULL AND (a."dueAt" IS NULL OR a."acceptedAt" <= a."dueAt") THEN a."leadId" END) AS "acceptedInSla",
         COUNT(DISTINCT CASE WHEN a."status" = 'missed' THEN a."leadId" END) AS "missed",
         COUNT(DISTINCT CASE WHEN a."status" = 'won' THEN a."leadId" END) AS "won",
         COUNT(DISTINCT CASE WHEN a."status" = 'lost' THEN a."leadId" END) AS "lost"
  FROM "Manager" m LEFT JOIN "Assignment" a ON a."managerId" = m."id" AND a."assignedAt" >= $1 AND a."assignedAt" < $2
  GROUP BY m."id", m."name", m."active"
  HAVING COUNT(a."id") > 0 OR m."active"`;

// The workflow writes a rejection as stage_changed -> rejected with reason "<by>: <reason>[ (<note>)]".
// $3: the known reasons; $4: the same as LIKE patterns (`_` escaped: as a wildcard it would match
// "no budget" too).
const REJECTION_SQL = `
  SELECT r."reason" AS "reason", COUNT(e."id") AS "n"
  FROM unnest($3::text[], $4::text[]) AS r("reason", "pattern")
  LEFT JOIN "LeadEvent" e ON e."type" = 'stage_changed' AND e."stageTo" = 'rejected' AND e."occurredAt" >= $1 AND e."occurredAt" < $2
       AND (e."reason" LIKE ('%: ' || r."pattern") ESCAPE '\\' OR e."reason" LIKE ('%: ' || r."pattern" || ' (%') ESCAPE '\\')
  GROUP BY r."reason"`;

// $3: the question.
const SURVEY_SQL = `
  SELECT COALESCE(s."answers" ->> $3, '(none)') AS "answer", COUNT(*) AS "n"
  FROM "SurveyResponse" s
  WHERE s."current" AND s."submittedAt" >= $1 AND s."submittedAt" < $2
  GROUP BY COALESCE(s."answers" ->> $3, '(none)')`;

const EMAIL_SQL = `
  SELECT e."template" AS "template", COUNT(*) AS "n" FROM "EmailLog" e
  WHERE e."status" = 'sent' AND e."sentAt" >= $1 AND e."sentAt" < $2
  GROUP BY e."template"`;

// Won back: a client won in the range whose lead had been rejected before.
const REQUALIFIED_SQL = `
  SELECT
    (SELECT COUNT(DISTINCT e."leadId") FROM "LeadEvent" e WHERE e."type" = 'requalified' AND e."occurredAt" >= $1 AND e."occurredAt" < $2) AS "requalified",
    (SELECT COUNT(*) FROM "Client" k WHERE k."wonAt" >= $1 AND k."wonAt" < $2
       AND EXISTS (SELECT 1 FROM "LeadEvent" e WHERE e."leadId" = k."leadId" AND e."type" = 'stage_changed' AND e."stageTo" = 'rejected' AND e."occurredAt" < k."wonAt")) AS "wonBack",
    (SELECT COUNT(*) FROM "LeadEvent" e WHERE e."type" = 'stage_changed' AND e."stageTo" = 'rejected' AND e."occurredAt" >= $1 AND e."occurredAt" < $2) AS "rejections"`;

// Offers made in the range with the manager's tier, the lead's temperature when it was offered (its
// last temperature change before the offer: the workflow records each; none yet = cold, where every
// lead starts) and whether the lead became a client. The offer's time is the workflow's `assigned`
// event when there is one (the history's clock), else the row's.
const HANDOFF_SQL = `
  WITH o AS (
    SELECT a."leadId" AS "leadId", a."status" AS "status", m."tier" AS "tier",
           COALESCE((SELECT e."occurredAt" FROM "LeadEvent" e WHERE e."leadId" = a."leadId" AND e."type" = 'assigned' AND e."payload" ->> 'assignmentId' = a."id" ORDER BY e."occurredAt" LIMIT 1), a."assignedAt") AS "at"
    FROM "Assignment" a JOIN "Manager" m ON m."id" = a."managerId"
    WHERE a."assignedAt" >= $1 AND a."assignedAt" < $2
  )
  SELECT o."leadId" AS "leadId", o."status" AS "status", o."tier" AS "tier", o."at" AS "at",
         COALESCE((SELECT t."payload" ->> 'to' FROM "LeadEvent" t WHERE t."leadId" = o."leadId" AND t."type" = 'temperature_changed' AND t."occurredAt" <= o."at" ORDER BY t."occurredAt" DESC LIMIT 1), 'cold') AS "band",
         EXISTS (SELECT 1 FROM "Client" k WHERE k."leadId" = o."leadId") AS "client"
  FROM o`;

interface Offer { leadId: string; status: string; tier: number; at: Date; band: string; client: boolean }
const bandOf = (b: string): Band => (BANDS.includes(b as Band) ? (b as Band) : 'cold');

/** Conversion per band at hand-off (lead level: its first offer in the range) and per manager tier (offer level). */
export function handoffConversion(offers: Offer[]): KpiReport['handoff'] {
  const first = new Map<string, Offer>();
  for (const o of [...offers].sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime())) if (!first.has(o.leadId)) first.set(o.leadId, o);
  const byBand = BANDS.map((band): BandRow => {
    const leads = [...first.values()].filter((o) => bandOf(o.band) === band);
    const clients = leads.filter((o) => o.client).length;
    return { band, handedOff: leads.length, clients, conversion: ratio(clients, leads.length) };
  });
  const group = (of: Offer[]) => {
    const received = new Set(of.map((o) => o.leadId)).size;
    const won = new Set(of.filter((o) => o.status === 'won').map((o) => o.leadId)).size;
    return { received, won, conversion: ratio(won, received) };
  };
  const tiers = [...new Set(offers.map((o) => num(o.tier)))].sort((a, b) => a - b);
  return {
    byBand,
    byTier: tiers.map((tier) => ({ tier, ...group(offers.filter((o) => num(o.tier) === tier)) })),
    byBandAndTier: BANDS.flatMap((band) => tiers.map((tier) => ({ band, tier, of: offers.filter((o) => bandOf(o.band) === band && num(o.tier) === tier) })))
      .filter((x) => x.of.length)
      .map(({ band, tier, of }) => ({ band, tier, ...group(of) })),
  };
}

/** The report for `range`. */
export async function computeKpis(db: Db, range: KpiRange): Promise<KpiReport> {
  const sql = sqlOf(db);
  const { from, to } = range;
  const [bySourceAndChannel, funnelRows, campaignRows, cycleRows, managerRows, rejectionRows, surveyRows, emailRows, requalRows] = await Promise.all([
    sql.rows<{ source: string; channel: string; leads: number }>(SOURCE_CHANNEL_SQL, [from, to]),
    sql.rows<{ source: string; leads: number; mql: string; sql: string; clients: string }>(FUNNEL_SQL, [from, to, MQL_OR_LATER, SQL_OR_LATER, ['client']]),
    sql.rows<{ id: string; name: string; channel: string; currency: string; spend: number; startsAt: Date | null; endsAt: Date | null; leads: number; clients: number; margin: number | null }>(CAMPAIGN_SQL, [from, to]),
    sql.rows<{ month: string; n: number; median: number | null; p90: number | null }>(CYCLE_SQL, [from, to]),
    sql.rows<{ id: string; name: string; received: number; acceptedInSla: number; missed: number; won: number; lost: number }>(MANAGER_SQL, [from, to]),
    sql.rows<{ reason: string; n: number }>(REJECTION_SQL, [from, to, REJECTION_REASONS, REJECTION_REASONS.map((x) => x.replace(/_/g, '\\_'))]),
    Promise.all(SURVEY_QUESTIONS.map((q) => sql.rows<{ answer: string; n: number }>(SURVEY_SQL, [from, to, q]))),
    sql.rows<{ template: string; n: number }>(EMAIL_SQL, [from, to]),
    sql.rows<{ requalified: number; wonBack: number; rejections: number }>(REQUALIFIED_SQL, [from, to]),
  ]);
  const [offers, sequences] = await Promise.all([sql.rows<Offer>(HANDOFF_SQL, [from, to]), sequenceKpis(db, range)]);

  const bySource = funnelRows.map((r) => funnelRow(r.source, num(r.leads), num(r.mql), num(r.sql), num(r.clients))).sort((a, b) => b.leads - a.leads || byText(a.source, b.source));
  const sum = (rows: FunnelRow[], k: 'leads' | 'mql' | 'sql' | 'clients'): number => rows.reduce((a, r) => a + r[k], 0);

  const campaigns = campaignRows.map((c): CampaignRow => {
    const spend = attributedSpend(num(c.spend), c.startsAt, c.endsAt, range);
    const leads = num(c.leads);
    const clients = num(c.clients);
    const grossMargin = num(c.margin);
    return { id: c.id, name: c.name, channel: c.channel, currency: c.currency, spend, leads, clients, grossMargin, cpl: ratio(spend, leads), cpa: ratio(spend, clients), roi: ratio(grossMargin - spend, spend) };
  }).sort((a, b) => byText(a.id, b.id));
  const tot = campaigns.reduce((a, c) => ({ spend: a.spend + c.spend, leads: a.leads + c.leads, clients: a.clients + c.clients, grossMargin: a.grossMargin + c.grossMargin }), { spend: 0, leads: 0, clients: 0, grossMargin: 0 });

  const cycle = cycleRows.map((r): CycleRow => ({ month: r.month, clients: num(r.n), medianDays: numOrNull(r.median), p90Days: numOrNull(r.p90) })).sort((a, b) => byText(a.month, b.month));
  const emails = countsDesc(emailRows.map((r) => ({ key: r.template, count: num(r.n) })));
  const sent = (template: string): number => emails.find((e) => e.key === template)?.count ?? 0;
  const extra = requalRows[0];

  return {
    range: { from: from.toISOString(), to: to.toISOString() },
    generatedAt: new Date().toISOString(),
    leads: { total: sum(bySource, 'leads'), bySourceAndChannel: bySourceAndChannel
        .map((r) => ({ source: r.source, channel: r.channel, leads: num(r.leads) }))
        .sort((a, b) => b.leads - a.leads || byText(a.source, b.source) || byText(a.channel, b.channel)) },
    funnel: { total: funnelRow('all', sum(bySource, 'leads'), sum(bySource, 'mql'), sum(bySource, 'sql'), sum(bySource, 'clients')), bySource },
    campaigns: { rows: campaigns, total: { ...tot, cpl: ratio(tot.spend, tot.leads), cpa: ratio(tot.spend, tot.clients), roi: ratio(tot.grossMargin - tot.spend, tot.spend) } },
    salesCycle: { overall: cycle.find((r) => r.month === 'all') ?? { month: 'all', clients: 0, medianDays: null, p90Days: null }, byMonth: cycle.filter((r) => r.month !== 'all') },
    managers: managerRows
      .map((m): ManagerRow => {
        const received = num(m.received);
        const acceptedInSla = num(m.acceptedInSla);
        const won = num(m.won);
        return { id: m.id, name: m.name, received, acceptedInSla, missed: num(m.missed), won, lost: num(m.lost), slaRate: ratio(acceptedInSla, received), conversion: ratio(won, received) };
      })
      .sort((a, b) => b.won - a.won || b.received - a.received || byText(a.name, b.name)),
    rejections: {
      total: num(extra?.rejections),
      byReason: rejectionsByReason(num(extra?.rejections), rejectionRows.map((r) => ({ key: r.reason, count: num(r.n) }))),
    },
    surveyAnswers: Object.fromEntries(SURVEY_QUESTIONS.map((q, i) => [q, countsDesc(surveyRows[i].map((r) => ({ key: r.answer, count: num(r.n) })))])) as KpiReport['surveyAnswers'],
    emails: { greetingsSent: sent(GREETING_TEMPLATE), offersSent: sent(OFFER_TEMPLATE), sentByTemplate: emails },
    requalified: { leads: num(extra?.requalified), wonBack: num(extra?.wonBack) },
    handoff: handoffConversion(offers),
    sequences,
  };
}

/** Known reasons that occurred, and the rest (text the workflow did not write) as "(unrecognised)". */
function rejectionsByReason(total: number, known: CountRow[]): CountRow[] {
  const rows = known.filter((r) => r.count > 0);
  const rest = total - rows.reduce((a, r) => a + r.count, 0);
  return countsDesc(rest > 0 ? [...rows, { key: '(unrecognised)', count: rest }] : rows);
}

/**
 * The part of a campaign's recorded spend that falls in the range: by days of overlap when the
 * campaign has start and end dates, all of it when it has not (nothing to prorate by).
 */
export function attributedSpend(spend: number, startsAt: Date | string | null, endsAt: Date | string | null, range: KpiRange): number {
  if (!startsAt || !endsAt) return spend;
  const s = new Date(startsAt).getTime();
  const e = new Date(endsAt).getTime();
  if (e <= s) return spend;
  const overlap = Math.max(0, Math.min(e, range.to.getTime()) - Math.max(s, range.from.getTime()));
  return (spend * overlap) / (e - s);
}
