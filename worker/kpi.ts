// KPI report for a date range, computed in the database. Every query is written once and runs on
// SQLite and PostgreSQL; the two places where the providers differ (date arithmetic, reading a
// JSON field) are the `Dialect` below. Percentiles use window functions (both providers have them)
// with the nearest-rank rule, so no provider-specific percentile function is needed.
import { z } from 'zod';
import { Prisma, isPostgres, type Db } from '../activities/db';
import { REJECTION_REASONS } from '../workflows/types';

const DAY_MS = 86_400_000;
/** Longest range a report may cover: ten years. */
const MAX_RANGE_DAYS = 3660;
/** Stages at or past MQL / SQL: a lead that reached any of them passed that funnel step. */
const MQL_OR_LATER = ['mql', 'sql', 'handed_off', 'client'];
const SQL_OR_LATER = ['sql', 'handed_off', 'client'];
/** Templates that count as greetings and offers (EmailLog.template). */
export const GREETING_TEMPLATE = 'holiday-greeting';
export const OFFER_TEMPLATE = 'offer';

const dateOrDateTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be a date (YYYY-MM-DD) or an ISO date-time' });

/**
 * `from` and `to` as dates (YYYY-MM-DD, UTC) or ISO date-times. A date-only `to` includes that whole
 * day. Defaults: `to` today, `from` 90 days before `to`.
 */
export const kpiRangeSchema = z
  .object({ from: dateOrDateTime.optional(), to: dateOrDateTime.optional() })
  .strict()
  .transform(({ from, to }) => {
    const end = to ? (to.length === 10 ? new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS) : new Date(to)) : new Date(Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`) + DAY_MS);
    const start = from ? new Date(from.length === 10 ? `${from}T00:00:00Z` : from) : new Date(end.getTime() - 90 * DAY_MS);
    return { from: start, to: end };
  })
  .superRefine(({ from, to }, ctx) => {
    if (to.getTime() <= from.getTime()) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    else if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) ctx.addIssue({ code: 'custom', path: ['from'], message: `must be at most ${MAX_RANGE_DAYS} days before to` });
  });
export type KpiRangeInput = z.input<typeof kpiRangeSchema>;
/** Half-open: `from` <= t < `to`. */
export type KpiRange = z.output<typeof kpiRangeSchema>;

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
/** The survey page's single-choice questions (worker/api/survey.ts), counted per answer. */
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
}

/** The provider differences, as SQL fragments over trusted column expressions. */
interface Dialect {
  daysBetween(from: string, to: string): string;
  jsonText(column: string, key: string): string;
}
const sqlite: Dialect = {
  daysBetween: (from, to) => `(julianday(${to}) - julianday(${from}))`,
  jsonText: (column, key) => `json_extract(${column}, '$.${key}')`,
};
const postgres: Dialect = {
  daysBetween: (from, to) => `(CAST(EXTRACT(EPOCH FROM (${to} - ${from})) AS DOUBLE PRECISION) / 86400.0)`,
  jsonText: (column, key) => `(${column} ->> '${key}')`,
};

/** Drivers return counts as bigint and PostgreSQL averages as Decimal; the report wants numbers. */
const num = (v: unknown): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : Number(typeof v === 'object' && 'toString' in v ? String(v) : v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
/** Orders in code, not SQL: the providers' text collations differ ('(none)' vs 'no_budget'). */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const countsDesc = (rows: CountRow[]): CountRow[] => [...rows].sort((a, b) => b.count - a.count || byText(a.key, b.key));
const list = (values: readonly string[]): Prisma.Sql => Prisma.join(values.map((v) => Prisma.sql`${v}`));

function funnelRow(source: string, leads: number, mql: number, sql: number, clients: number): FunnelRow {
  return { source, leads, mql, sql, clients, leadToMql: ratio(mql, leads), mqlToSql: ratio(sql, mql), sqlToClient: ratio(clients, sql), leadToClient: ratio(clients, leads) };
}

/** The report for `range`. `databaseUrl` tells the provider (the same one `db` was made from). */
export async function computeKpis(db: Db, databaseUrl: string, range: KpiRange): Promise<KpiReport> {
  const d = isPostgres(databaseUrl) ? postgres : sqlite;
  const { from, to } = range;
  const leadInRange = Prisma.sql`l."firstTouchAt" >= ${from} AND l."firstTouchAt" < ${to}`;
  // A stage reached (by its stage_changed event) before the end of the range.
  const reached = (stages: readonly string[]) =>
    Prisma.sql`CASE WHEN EXISTS (SELECT 1 FROM "LeadEvent" e WHERE e."leadId" = l."id" AND e."type" = 'stage_changed' AND e."stageTo" IN (${list(stages)}) AND e."occurredAt" < ${to}) THEN 1 ELSE 0 END`;

  const [bySourceAndChannel, funnelRows, campaignRows, cycleRows, managerRows, rejectionRows, surveyRows, emailRows, requalRows] = await Promise.all([
    db.$queryRaw<{ source: string; channel: string; leads: bigint }[]>`
      SELECT l."source" AS "source", COALESCE(c."channel", '(none)') AS "channel", COUNT(*) AS "leads"
      FROM "Lead" l LEFT JOIN "Campaign" c ON c."id" = l."campaignId"
      WHERE ${leadInRange}
      GROUP BY l."source", COALESCE(c."channel", '(none)')`,

    // Cohort funnel: leads first touched in the range and how far each got by the range's end.
    db.$queryRaw<{ source: string; leads: bigint; mql: bigint; sql: bigint; clients: bigint }[]>`
      SELECT l."source" AS "source", COUNT(*) AS "leads",
             SUM(${reached(MQL_OR_LATER)}) AS "mql", SUM(${reached(SQL_OR_LATER)}) AS "sql", SUM(${reached(['client'])}) AS "clients"
      FROM "Lead" l
      WHERE ${leadInRange}
      GROUP BY l."source"`,

    // Leads first touched and clients won in the range, per campaign; campaigns running in the range
    // or with such leads or clients.
    db.$queryRaw<{ id: string; name: string; channel: string; currency: string; spend: number; startsAt: Date | null; endsAt: Date | null; leads: bigint; clients: bigint; margin: number | null }[]>`
      SELECT c."id" AS "id", c."name" AS "name", c."channel" AS "channel", c."currency" AS "currency", c."spend" AS "spend",
             c."startsAt" AS "startsAt", c."endsAt" AS "endsAt", x."leads" AS "leads", y."clients" AS "clients", y."margin" AS "margin"
      FROM "Campaign" c
      JOIN (SELECT c2."id" AS "id", COUNT(l."id") AS "leads" FROM "Campaign" c2 LEFT JOIN "Lead" l ON l."campaignId" = c2."id" AND ${leadInRange} GROUP BY c2."id") x ON x."id" = c."id"
      JOIN (SELECT c3."id" AS "id", COUNT(k."id") AS "clients", SUM(k."grossMargin") AS "margin"
            FROM "Campaign" c3 LEFT JOIN "Lead" l ON l."campaignId" = c3."id" LEFT JOIN "Client" k ON k."leadId" = l."id" AND k."wonAt" >= ${from} AND k."wonAt" < ${to}
            GROUP BY c3."id") y ON y."id" = c."id"
      WHERE x."leads" > 0 OR y."clients" > 0
         OR (c."startsAt" IS NOT NULL AND c."endsAt" IS NOT NULL AND c."startsAt" < ${to} AND c."endsAt" > ${from})`,

    // First touch -> won, in days, for clients won in the range: per month of winning and overall.
    db.$queryRaw<{ month: string; n: bigint; median: number | null; p90: number | null }[]>(Prisma.sql`
      WITH c AS (
        SELECT SUBSTR(CAST(k."wonAt" AS TEXT), 1, 7) AS "month", ${Prisma.raw(d.daysBetween('l."firstTouchAt"', 'k."wonAt"'))} AS "days"
        FROM "Client" k JOIN "Lead" l ON l."id" = k."leadId"
        WHERE k."wonAt" >= ${from} AND k."wonAt" < ${to}
      ), g AS (
        SELECT "month", "days" FROM c UNION ALL SELECT 'all' AS "month", "days" FROM c
      ), r AS (
        SELECT "month", "days", ROW_NUMBER() OVER (PARTITION BY "month" ORDER BY "days") AS "rn", COUNT(*) OVER (PARTITION BY "month") AS "n" FROM g
      )
      SELECT "month", MAX("n") AS "n",
             CAST(AVG(CASE WHEN "rn" IN (("n" + 1) / 2, ("n" + 2) / 2) THEN "days" END) AS DOUBLE PRECISION) AS "median",
             CAST(MAX(CASE WHEN "rn" = (9 * "n" + 9) / 10 THEN "days" END) AS DOUBLE PRECISION) AS "p90"
      FROM r GROUP BY "month"`),

    // Offers made in the range, per manager. A lead offered twice to one manager counts once.
    db.$queryRaw<{ id: string; name: string; received: bigint; acceptedInSla: bigint; missed: bigint; won: bigint; lost: bigint }[]>`
      SELECT m."id" AS "id", m."name" AS "name",
             COUNT(DISTINCT a."leadId") AS "received",
             COUNT(DISTINCT CASE WHEN a."acceptedAt" IS NOT NULL AND (a."dueAt" IS NULL OR a."acceptedAt" <= a."dueAt") THEN a."leadId" END) AS "acceptedInSla",
             COUNT(DISTINCT CASE WHEN a."status" = 'missed' THEN a."leadId" END) AS "missed",
             COUNT(DISTINCT CASE WHEN a."status" = 'won' THEN a."leadId" END) AS "won",
             COUNT(DISTINCT CASE WHEN a."status" = 'lost' THEN a."leadId" END) AS "lost"
      FROM "Manager" m LEFT JOIN "Assignment" a ON a."managerId" = m."id" AND a."assignedAt" >= ${from} AND a."assignedAt" < ${to}
      GROUP BY m."id", m."name", m."active"
      HAVING COUNT(a."id") > 0 OR m."active"`,

    // The workflow writes a rejection as stage_changed -> rejected with reason "<by>: <reason>[ (<note>)]".
    // `_` in the reasons is escaped: as a LIKE wildcard it would match "no budget" too.
    db.$queryRaw<{ reason: string; n: bigint }[]>(Prisma.sql`
      SELECT r."reason" AS "reason", COUNT(e."id") AS "n"
      FROM (${Prisma.join(REJECTION_REASONS.map((x) => Prisma.sql`SELECT CAST(${x} AS TEXT) AS "reason", CAST(${x.replace(/_/g, '\\_')} AS TEXT) AS "pattern"`), ' UNION ALL ')}) r
      LEFT JOIN "LeadEvent" e ON e."type" = 'stage_changed' AND e."stageTo" = 'rejected' AND e."occurredAt" >= ${from} AND e."occurredAt" < ${to}
           AND (e."reason" LIKE ('%: ' || r."pattern") ESCAPE '\\' OR e."reason" LIKE ('%: ' || r."pattern" || ' (%') ESCAPE '\\')
      GROUP BY r."reason"`),

    Promise.all(
      SURVEY_QUESTIONS.map((q) => {
        const answer = Prisma.raw(d.jsonText('s."answers"', q));
        return db.$queryRaw<{ answer: string; n: bigint }[]>`
          SELECT COALESCE(${answer}, '(none)') AS "answer", COUNT(*) AS "n"
          FROM "SurveyResponse" s
          WHERE s."current" AND s."submittedAt" >= ${from} AND s."submittedAt" < ${to}
          GROUP BY COALESCE(${answer}, '(none)')`;
      }),
    ),

    db.$queryRaw<{ template: string; n: bigint }[]>`
      SELECT e."template" AS "template", COUNT(*) AS "n" FROM "EmailLog" e
      WHERE e."status" = 'sent' AND e."sentAt" >= ${from} AND e."sentAt" < ${to}
      GROUP BY e."template"`,

    // Won back: a client won in the range whose lead had been rejected before.
    db.$queryRaw<{ requalified: bigint; wonBack: bigint; rejections: bigint }[]>`
      SELECT
        (SELECT COUNT(DISTINCT e."leadId") FROM "LeadEvent" e WHERE e."type" = 'requalified' AND e."occurredAt" >= ${from} AND e."occurredAt" < ${to}) AS "requalified",
        (SELECT COUNT(*) FROM "Client" k WHERE k."wonAt" >= ${from} AND k."wonAt" < ${to}
           AND EXISTS (SELECT 1 FROM "LeadEvent" e WHERE e."leadId" = k."leadId" AND e."type" = 'stage_changed' AND e."stageTo" = 'rejected' AND e."occurredAt" < k."wonAt")) AS "wonBack",
        (SELECT COUNT(*) FROM "LeadEvent" e WHERE e."type" = 'stage_changed' AND e."stageTo" = 'rejected' AND e."occurredAt" >= ${from} AND e."occurredAt" < ${to}) AS "rejections"`,
  ]);

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
