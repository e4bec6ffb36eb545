// Statistics of one nurture sequence for a date range, per version, step, template, locale and A/B
// variant, computed in the database (SQL through pg, domain/sql.ts):
// - entered: leads that arrived at a step in the range (`sequence_step` history rows, and the mail
//   ledger for send steps, so leads from before step arrivals were recorded count too); for the
//   sequence, leads that entered it (`sequence_entered`);
// - now: leads whose row says they are at that step now (Lead.sequenceId/-Version/-Step);
// - sent / delivered / bounced: ledger rows (EmailLog) of the sequence sent in the range (status sent
//   or bounced: handed to SMTP; delivered = accepted, bounced = refused);
// - unique opens / clicks: those mails with at least one open (or click: a click implies the mail was
//   opened) / click, by the mail's ledger key on the open and click events, whenever they came;
// - unsubscribes: a lead's unsubscribe counts for the last marketing mail it got before it;
// - goal reached: leaves with "goal: ..." in the range (at the step the lead was at);
// - converted: leads that became MQL / SQL / client within N days of arriving (of entering, for the
//   sequence; of the split, for a variant).
// A split's verdict comes from domain/kpi/ab-test.ts.
import { z } from 'zod';
import { prismaContentStore } from '../content/prisma-store';
import type { SequenceBody } from '../content/catalogue';
import type { Db } from '../db';
import { sqlOf } from '../sql';
import type { SequenceDefinition, SplitStep } from '../../workflows/sequences/dsl';
import { pathKey, walk } from '../../workflows/sequences/interpreter';
import { sequenceModules } from '../../content/sequences';
import { abVerdict, verdictText, type Verdict } from './ab-test';
import { checkRange, kpiRangeFields, resolveRange, type KpiRange } from './range';
import type { SequenceKpiRow } from './report';
import { stepLabel } from '../content/describe-step';

/** What a split's verdict measures, per lead that entered the variant. */
export const AB_METRICS = ['open', 'click', 'goal', 'mql', 'sql', 'client'] as const;
export type AbMetric = (typeof AB_METRICS)[number];

const MQL_OR_LATER = ['mql', 'sql', 'handed_off', 'client'];
const SQL_OR_LATER = ['sql', 'handed_off', 'client'];

const statsFields = {
  ...kpiRangeFields,
  within: z.coerce.number({ error: 'must be a number of days' }).int('must be a whole number of days').min(1, 'must be at least 1 day').max(365, 'must be at most 365 days').optional(),
  metric: z.enum(AB_METRICS, { error: `must be one of ${AB_METRICS.join(', ')}` }).optional(),
};
const toQuery = ({ from, to, within, metric }: { from?: string; to?: string; within?: number; metric?: AbMetric }) => ({ ...resolveRange({ from, to }), within: within ?? 30, metric: metric ?? ('click' as AbMetric) });

/** `from`, `to` (as the KPI report's), `within` (days for "converted", default 30), `metric` (what a split's verdict tests, default click). */
export const sequenceStatsQuerySchema = z.object(statsFields).strict().transform(toQuery).superRefine(checkRange);
/** The same, plus the version to draw (default: the newest). */
export const sequencePageQuerySchema = z
  .object({ ...statsFields, version: z.coerce.number({ error: 'must be a version number' }).int('must be a whole number').min(1, 'must be at least 1').max(1_000_000, 'must be at most 1000000').optional() })
  .strict()
  .transform(({ version, ...rest }) => ({ ...toQuery(rest), version }))
  .superRefine(checkRange);
/** The query fields the pages carry over in their links. */
export const STATS_QUERY_KEYS = Object.keys(statsFields);
export type SequenceStatsQuery = z.output<typeof sequenceStatsQuerySchema>;

export const sequenceIdSchema = z.string().min(1).max(100).regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a sequence id (lower-case letters, digits, dashes)');

export interface MailCounts {
  sent: number;
  delivered: number;
  bounced: number;
  uniqueOpens: number;
  uniqueClicks: number;
  unsubscribes: number;
  /** Of delivered mails. */
  openRate: number | null;
  clickRate: number | null;
}
export interface Conversions { mql: number; sql: number; client: number }

export interface StepStats extends MailCounts {
  version: number;
  step: string;
  kind: string;
  label: string;
  template: string | null;
  /** The split variants this step lies in, e.g. ["B"]. */
  variants: string[];
  entered: number;
  now: number;
  goalReached: number;
  converted: Conversions;
}
export interface TemplateStats extends MailCounts { template: string; locale: string }
export interface VariantStats extends MailCounts {
  name: string;
  percent: number | null;
  leads: number;
  opened: number;
  clicked: number;
  goalReached: number;
  converted: Conversions;
  /** Successes / leads for the metric tested. */
  rate: number | null;
}
export interface SplitStats { version: number; step: string; metric: AbMetric; variants: VariantStats[]; verdict: Verdict }
export interface ExitStats { version: number; step: string; reason: string; leads: number }

export interface SequenceStats {
  sequence: { id: string; name: string; versions: number[] };
  range: { from: string; to: string };
  convertedWithinDays: number;
  totals: MailCounts & { entered: number; now: number; goalReached: number; converted: Conversions };
  steps: StepStats[];
  templates: TemplateStats[];
  splits: SplitStats[];
  exits: ExitStats[];
}

export class UnknownSequenceError extends Error {
  override name = 'UnknownSequenceError';
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A stage in the array parameter `param` reached within `$4` days after `at`. */
const convertedBy = (param: string, lead: string, at: string): string =>
  `CASE WHEN EXISTS (SELECT 1 FROM "LeadEvent" c WHERE c."leadId" = ${lead} AND c."type" = 'stage_changed' AND c."stageTo" = ANY(${param}::text[])
     AND c."occurredAt" >= ${at} AND c."occurredAt" < ${at} + make_interval(days => $4::int)) THEN 1 ELSE 0 END`;
const CONVERSIONS = (lead: string, at: string): string =>
  `SUM(${convertedBy('$5', lead, at)}) AS "mql", SUM(${convertedBy('$6', lead, at)}) AS "sql", SUM(${convertedBy('$7', lead, at)}) AS "client"`;

/** When a ledger row went out: the workflow's time of the send (sentAt), else when it was claimed. */
const MAIL_AT = `COALESCE(l."sentAt", l."createdAt")`;
/** The mail `l` was opened / clicked (by its ledger key on the events). */
const OPENED = `EXISTS (SELECT 1 FROM "LeadEvent" o WHERE o."leadId" = l."leadId" AND o."type" IN ('email_opened', 'email_clicked') AND o."payload" ->> 'mail' = l."idempotencyKey")`;
const CLICKED = `EXISTS (SELECT 1 FROM "LeadEvent" o WHERE o."leadId" = l."leadId" AND o."type" = 'email_clicked' AND o."payload" ->> 'mail' = l."idempotencyKey")`;
/** The lead unsubscribed after mail `l`, with no other marketing mail sent to it in between. */
const UNSUBSCRIBED = `EXISTS (SELECT 1 FROM "LeadEvent" u WHERE u."leadId" = l."leadId" AND u."type" = 'unsubscribed' AND u."occurredAt" >= ${MAIL_AT}
  AND NOT EXISTS (SELECT 1 FROM "EmailLog" n WHERE n."leadId" = l."leadId" AND n."kind" = 'marketing' AND n."status" = 'sent' AND n."idempotencyKey" <> l."idempotencyKey"
                  AND n."sentAt" > ${MAIL_AT} AND n."sentAt" <= u."occurredAt"))`;

// $1 from, $2 to, $3 sequence id.
const MAIL_SQL = `
  SELECT l."sequenceVersion" AS "version", l."step" AS "step", l."template" AS "template", l."locale" AS "locale",
         COUNT(*) AS "sent",
         COUNT(*) FILTER (WHERE l."status" = 'sent') AS "delivered",
         COUNT(*) FILTER (WHERE l."status" = 'bounced') AS "bounced",
         COUNT(*) FILTER (WHERE ${OPENED}) AS "opens",
         COUNT(*) FILTER (WHERE ${CLICKED}) AS "clicks",
         COUNT(*) FILTER (WHERE ${UNSUBSCRIBED}) AS "unsubscribes"
  FROM "EmailLog" l
  WHERE l."sequenceId" = $3 AND l."status" IN ('sent', 'bounced') AND ${MAIL_AT} >= $1 AND ${MAIL_AT} < $2
  GROUP BY l."sequenceVersion", l."step", l."template", l."locale"`;

// First arrival of each lead at each step in the range; $4 days, $5/$6/$7 the stages.
const ARRIVAL_SQL = `
  WITH arr AS (
    SELECT e."leadId" AS "leadId", (e."payload" ->> 'version')::int AS "version", e."payload" ->> 'step' AS "step", e."occurredAt" AS "at"
    FROM "LeadEvent" e
    WHERE e."type" = 'sequence_step' AND e."payload" ->> 'sequence' = $3 AND e."occurredAt" >= $1 AND e."occurredAt" < $2
    UNION ALL
    SELECT l."leadId", l."sequenceVersion", l."step", ${MAIL_AT}
    FROM "EmailLog" l
    WHERE l."sequenceId" = $3 AND l."leadId" IS NOT NULL AND l."step" IS NOT NULL AND ${MAIL_AT} >= $1 AND ${MAIL_AT} < $2
  ), f AS (
    SELECT "leadId", "version", "step", MIN("at") AS "at" FROM arr GROUP BY "leadId", "version", "step"
  )
  SELECT f."version" AS "version", f."step" AS "step", COUNT(*) AS "entered", ${CONVERSIONS('f."leadId"', 'f."at"')}
  FROM f GROUP BY f."version", f."step"`;

const ENTRY_SQL = `
  WITH f AS (
    SELECT e."leadId" AS "leadId", (e."payload" ->> 'version')::int AS "version", MIN(e."occurredAt") AS "at"
    FROM "LeadEvent" e
    WHERE e."type" = 'sequence_entered' AND e."payload" ->> 'sequence' = $3 AND e."occurredAt" >= $1 AND e."occurredAt" < $2
    GROUP BY e."leadId", (e."payload" ->> 'version')::int
  )
  SELECT f."version" AS "version", COUNT(*) AS "entered", ${CONVERSIONS('f."leadId"', 'f."at"')}
  FROM f GROUP BY f."version"`;

// Where leads are now (rows kept by the workflow as they move). Erased leads are not anywhere.
const NOW_SQL = `
  SELECT l."sequenceVersion" AS "version", l."sequenceStep" AS "step", COUNT(*) AS "now"
  FROM "Lead" l
  WHERE l."sequenceId" = $1 AND l."erasedAt" IS NULL
  GROUP BY l."sequenceVersion", l."sequenceStep"`;

// Leaves in the range, per position and reason ("goal: ...", "completed", an end's reason, ...).
const EXIT_SQL = `
  SELECT (e."payload" ->> 'version')::int AS "version", COALESCE(e."payload" ->> 'position', '') AS "step", COALESCE(e."reason", '') AS "reason", COUNT(DISTINCT e."leadId") AS "leads"
  FROM "LeadEvent" e
  WHERE e."type" = 'sequence_left' AND e."payload" ->> 'sequence' = $3 AND e."occurredAt" >= $1 AND e."occurredAt" < $2
  GROUP BY 1, 2, 3`;

/** Mail `l` of the lead `sp` lies in the split's variant arm (its step key starts `<split>.v:<variant>.`). */
const IN_ARM = `l."leadId" = sp."leadId" AND l."sequenceId" = $3 AND l."sequenceVersion" = sp."version" AND l."status" IN ('sent', 'bounced')
  AND left(l."step", length(sp."step") + length(sp."variant") + 4) = sp."step" || '.v:' || sp."variant" || '.'`;
const SPLIT_SQL = `
  WITH sp AS (
    SELECT e."leadId" AS "leadId", (e."payload" ->> 'version')::int AS "version", e."payload" ->> 'step' AS "step", e."payload" ->> 'variant' AS "variant", MIN(e."occurredAt") AS "at"
    FROM "LeadEvent" e
    WHERE e."type" = 'sequence_split' AND e."payload" ->> 'sequence' = $3 AND e."occurredAt" >= $1 AND e."occurredAt" < $2
    GROUP BY 1, 2, 3, 4
  )
  SELECT sp."version" AS "version", sp."step" AS "step", sp."variant" AS "variant", COUNT(*) AS "leads",
         SUM(CASE WHEN EXISTS (SELECT 1 FROM "EmailLog" l WHERE ${IN_ARM} AND ${OPENED}) THEN 1 ELSE 0 END) AS "opened",
         SUM(CASE WHEN EXISTS (SELECT 1 FROM "EmailLog" l WHERE ${IN_ARM} AND ${CLICKED}) THEN 1 ELSE 0 END) AS "clicked",
         SUM(CASE WHEN EXISTS (SELECT 1 FROM "LeadEvent" g WHERE g."leadId" = sp."leadId" AND g."type" = 'sequence_left' AND g."payload" ->> 'sequence' = $3
                                AND g."reason" LIKE 'goal:%' AND g."occurredAt" >= sp."at") THEN 1 ELSE 0 END) AS "goal",
         ${CONVERSIONS('sp."leadId"', 'sp."at"')}
  FROM sp GROUP BY 1, 2, 3`;

type Row = Record<string, unknown>;

function mailCounts(rows: Row[]): MailCounts {
  const sum = (k: string): number => rows.reduce((a, r) => a + num(r[k]), 0);
  const delivered = sum('delivered');
  const uniqueOpens = sum('opens');
  const uniqueClicks = sum('clicks');
  return { sent: sum('sent'), delivered, bounced: sum('bounced'), uniqueOpens, uniqueClicks, unsubscribes: sum('unsubscribes'), openRate: ratio(uniqueOpens, delivered), clickRate: ratio(uniqueClicks, delivered) };
}
const conversions = (r: Row | undefined): Conversions => ({ mql: num(r?.mql), sql: num(r?.sql), client: num(r?.client) });

/** Every version of the sequence we know the definition of: published ones, and what ships. */
export async function sequenceVersions(db: Db, id: string): Promise<SequenceDefinition[]> {
  const out = new Map<number, SequenceDefinition>();
  const module = sequenceModules.find((m) => m.current.id === id);
  for (const d of module ? [module.current, ...(module.previous ?? [])] : []) out.set(d.version, d);
  for (const r of await prismaContentStore(db, { cacheMs: 0 }).list('sequence')) {
    if (r.contentId === id) out.set(r.version, (r.body as SequenceBody).definition);
  }
  return [...out.values()].sort((a, b) => b.version - a.version);
}

/** A step is in an arm when its key starts with `<split>.v:<name>.`. */
const inArm = (step: string, split: string, variant: string): boolean => step.startsWith(`${split}.v:${variant}.`);

export async function computeSequenceStats(db: Db, id: string, q: SequenceStatsQuery): Promise<SequenceStats> {
  const defs = await sequenceVersions(db, id);
  if (!defs.length) throw new UnknownSequenceError(`no sequence "${id}"`);
  const sql = sqlOf(db);
  const p = [q.from, q.to, id, q.within, MQL_OR_LATER, SQL_OR_LATER, ['client']];
  const [mails, arrivals, entries, nows, exits, splits] = await Promise.all([
    sql.rows<Row>(MAIL_SQL, p.slice(0, 3)),
    sql.rows<Row>(ARRIVAL_SQL, p),
    sql.rows<Row>(ENTRY_SQL, p),
    sql.rows<Row>(NOW_SQL, [id]),
    sql.rows<Row>(EXIT_SQL, p.slice(0, 3)),
    sql.rows<Row>(SPLIT_SQL, p),
  ]);
  const at = (r: Row, version: number, step: string): boolean => num(r.version) === version && r.step === step;

  // Versions shown: the current one and every one with something in the range or leads in it now.
  const active = new Set([defs[0].version, ...[...mails, ...arrivals, ...entries, ...nows, ...exits].map((r) => num(r.version))]);
  const shown = defs.filter((d) => active.has(d.version));

  const steps: StepStats[] = shown.flatMap((def) =>
    walk(def.steps).map(({ path, step }) => {
      const key = pathKey(path);
      const own = mails.filter((r) => at(r, def.version, key));
      const arrival = arrivals.find((r) => at(r, def.version, key));
      return {
        version: def.version,
        step: key,
        kind: step.kind,
        label: stepLabel(step),
        template: step.kind === 'send' ? step.template : null,
        variants: path.filter((x): x is string => typeof x === 'string' && x.startsWith('v:')).map((x) => x.slice(2)),
        entered: num(arrival?.entered),
        now: nows.filter((r) => at(r, def.version, key)).reduce((a, r) => a + num(r.now), 0),
        ...mailCounts(own),
        goalReached: exits.filter((r) => at(r, def.version, key) && String(r.reason).startsWith('goal:')).reduce((a, r) => a + num(r.leads), 0),
        converted: conversions(arrival),
      };
    }),
  );

  const templates = new Map<string, Row[]>();
  for (const r of mails) templates.set(`${r.template}\u0000${r.locale}`, [...(templates.get(`${r.template}\u0000${r.locale}`) ?? []), r]);

  const splitStats: SplitStats[] = shown.flatMap((def) =>
    walk(def.steps)
      .filter((x): x is { path: (string | number)[]; step: SplitStep } => x.step.kind === 'split')
      .map(({ path, step }) => {
        const key = pathKey(path);
        const rows = splits.filter((r) => at(r, def.version, key));
        const names = [...step.variants.map((v) => v.name), ...rows.map((r) => String(r.variant)).filter((n) => !step.variants.some((v) => v.name === n))];
        const variants = names.map((name): VariantStats => {
          const r = rows.find((x) => x.variant === name);
          const leads = num(r?.leads);
          const counts = { opened: num(r?.opened), clicked: num(r?.clicked), goalReached: num(r?.goal), converted: conversions(r) };
          const successes = metricOf(q.metric, counts);
          return {
            name,
            percent: step.variants.find((v) => v.name === name)?.percent ?? null,
            leads,
            ...counts,
            ...mailCounts(mails.filter((m) => num(m.version) === def.version && inArm(String(m.step), key, name))),
            rate: ratio(successes, leads),
          };
        });
        return { version: def.version, step: key, metric: q.metric, variants, verdict: abVerdict(variants.map((v) => ({ name: v.name, n: v.leads, successes: metricOf(q.metric, v) }))) };
      }),
  );

  const entryRows = entries.filter((r) => active.has(num(r.version)));
  const nowTotal = nows.reduce((a, r) => a + num(r.now), 0);
  return {
    sequence: { id, name: defs[0].name, versions: shown.map((d) => d.version) },
    range: { from: q.from.toISOString(), to: q.to.toISOString() },
    convertedWithinDays: q.within,
    totals: {
      entered: entryRows.reduce((a, r) => a + num(r.entered), 0),
      now: nowTotal,
      ...mailCounts(mails),
      goalReached: exits.filter((r) => String(r.reason).startsWith('goal:')).reduce((a, r) => a + num(r.leads), 0),
      converted: entryRows.reduce<Conversions>((a, r) => ({ mql: a.mql + num(r.mql), sql: a.sql + num(r.sql), client: a.client + num(r.client) }), { mql: 0, sql: 0, client: 0 }),
    },
    steps,
    templates: [...templates.values()]
      .map((rows) => ({ template: String(rows[0].template), locale: String(rows[0].locale), ...mailCounts(rows) }))
      .sort((a, b) => byText(a.template, b.template) || byText(a.locale, b.locale)),
    splits: splitStats,
    exits: exits
      .map((r) => ({ version: num(r.version), step: String(r.step), reason: String(r.reason), leads: num(r.leads) }))
      .sort((a, b) => b.version - a.version || b.leads - a.leads || byText(a.reason, b.reason)),
  };
}

function metricOf(metric: AbMetric, v: { opened: number; clicked: number; goalReached: number; converted: Conversions }): number {
  switch (metric) {
    case 'open':
      return v.opened;
    case 'click':
      return v.clicked;
    case 'goal':
      return v.goalReached;
    default:
      return v.converted[metric];
  }
}

/** Every sequence's headline figures for the KPI report: what ships and what was published. */
export async function sequenceKpis(db: Db, range: KpiRange): Promise<SequenceKpiRow[]> {
  const published = (await prismaContentStore(db, { cacheMs: 0 }).list('sequence')).map((r) => r.contentId);
  const ids = [...new Set([...sequenceModules.map((m) => m.current.id), ...published])];
  return Promise.all(
    ids.map(async (id) => {
      const s = await computeSequenceStats(db, id, { ...range, within: 30, metric: 'click' });
      const t = s.totals;
      return {
        id,
        name: s.sequence.name,
        entered: t.entered,
        now: t.now,
        sent: t.sent,
        openRate: t.openRate,
        clickRate: t.clickRate,
        unsubscribes: t.unsubscribes,
        goalReached: t.goalReached,
        clients: t.converted.client,
        abTests: s.splits.map((sp) => ({ version: sp.version, step: sp.step, verdict: verdictText(sp.verdict) })),
      };
    }),
  );
}
