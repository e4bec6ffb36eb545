// The KPI report as titled tables of formatted cells: one layout for the CLI (text) and the HTML
// page, so both always show the same figures the same way.
import { SURVEY_QUESTIONS, type CountRow, type FunnelRow, type KpiReport } from './report';

export interface KpiTable {
  id: string;
  title: string;
  columns: string[];
  /** Columns holding numbers (right-aligned). */
  numeric: number[];
  rows: string[][];
  note?: string;
}

const NONE = '–';
export const fmtCount = (n: number): string => String(n);
export const fmtPct = (r: number | null): string => (r === null ? NONE : `${(r * 100).toFixed(1)}%`);
export const fmtMoney = (n: number | null): string => (n === null ? NONE : n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
export const fmtDays = (n: number | null): string => (n === null ? NONE : n.toFixed(1));

const funnelCells = (r: FunnelRow): string[] => [r.source, fmtCount(r.leads), fmtCount(r.mql), fmtCount(r.sql), fmtCount(r.clients), fmtPct(r.leadToMql), fmtPct(r.mqlToSql), fmtPct(r.sqlToClient), fmtPct(r.leadToClient)];
const countTable = (id: string, title: string, key: string, rows: CountRow[], note?: string): KpiTable => ({
  id,
  title,
  columns: [key, 'count'],
  numeric: [1],
  rows: rows.map((r) => [r.key, fmtCount(r.count)]),
  ...(note ? { note } : {}),
});

export function kpiTables(r: KpiReport): KpiTable[] {
  const c = r.campaigns;
  return [
    {
      id: 'summary',
      title: 'Summary',
      columns: ['figure', 'value'],
      numeric: [1],
      // A line per table below that these figures sum up: leads and funnel, campaigns, sales cycle, mails, re-qualification.
      rows: [
        ['leads (first touch in range)', fmtCount(r.leads.total)], ['new clients (won in range)', fmtCount(r.salesCycle.overall.clients)], ['lead -> client (cohort)', fmtPct(r.funnel.total.leadToClient)],
        ['campaign spend', fmtMoney(c.total.spend)], ['CPL', fmtMoney(c.total.cpl)], ['CPA', fmtMoney(c.total.cpa)], ['ROI', fmtPct(c.total.roi)],
        ['sales cycle median (days)', fmtDays(r.salesCycle.overall.medianDays)], ['sales cycle p90 (days)', fmtDays(r.salesCycle.overall.p90Days)],
        ['greetings sent', fmtCount(r.emails.greetingsSent)], ['offers sent', fmtCount(r.emails.offersSent)],
        ['re-qualified leads', fmtCount(r.requalified.leads)], ['won back (client after a rejection)', fmtCount(r.requalified.wonBack)],
      ],
    },
    {
      id: 'leads',
      title: 'Leads by source and channel',
      columns: ['source', 'channel', 'leads'],
      numeric: [2],
      rows: r.leads.bySourceAndChannel.map((x) => [x.source, x.channel, fmtCount(x.leads)]),
      note: 'Channel is the campaign channel; (none) for leads without a campaign.',
    },
    {
      id: 'funnel',
      title: 'Funnel by source',
      columns: ['source', 'leads', 'MQL', 'SQL', 'clients', 'lead->MQL', 'MQL->SQL', 'SQL->client', 'lead->client'],
      numeric: [1, 2, 3, 4, 5, 6, 7, 8],
      rows: [...r.funnel.bySource.map(funnelCells), funnelCells(r.funnel.total)],
      note: 'Leads first touched in the range, and how far each got (stage reached, or later) by its end.',
    },
    {
      id: 'campaigns',
      title: 'Campaigns: cost and return',
      columns: ['campaign', 'channel', 'spend', 'leads', 'clients', 'gross margin', 'CPL', 'CPA', 'ROI'],
      numeric: [2, 3, 4, 5, 6, 7, 8],
      rows: [
        ...c.rows.map((x) => [`${x.name} (${x.id})`, x.channel, `${fmtMoney(x.spend)} ${x.currency}`, fmtCount(x.leads), fmtCount(x.clients), fmtMoney(x.grossMargin), fmtMoney(x.cpl), fmtMoney(x.cpa), fmtPct(x.roi)]),
        ['all campaigns', '', fmtMoney(c.total.spend), fmtCount(c.total.leads), fmtCount(c.total.clients), fmtMoney(c.total.grossMargin), fmtMoney(c.total.cpl), fmtMoney(c.total.cpa), fmtPct(c.total.roi)],
      ],
      note: 'Spend is prorated by days when a campaign has start and end dates. Clients and margin: clients won in the range. ROI = (margin - spend) / spend.',
    },
    {
      id: 'cycle',
      title: 'Sales cycle (first touch -> client), days',
      columns: ['month won', 'clients', 'median', 'p90'],
      numeric: [1, 2, 3],
      rows: [...r.salesCycle.byMonth, r.salesCycle.overall].map((x) => [x.month, fmtCount(x.clients), fmtDays(x.medianDays), fmtDays(x.p90Days)]),
      note: 'p90 by the nearest-rank rule.',
    },
    {
      id: 'managers',
      title: 'Managers',
      columns: ['manager', 'received', 'accepted in SLA', 'missed', 'won', 'lost', 'SLA rate', 'conversion'],
      numeric: [1, 2, 3, 4, 5, 6, 7],
      rows: r.managers.map((m) => [m.name, fmtCount(m.received), fmtCount(m.acceptedInSla), fmtCount(m.missed), fmtCount(m.won), fmtCount(m.lost), fmtPct(m.slaRate), fmtPct(m.conversion)]),
      note: 'Leads offered in the range; conversion = won / received.',
    },
    countTable('rejections', `Rejection reasons (${r.rejections.total} rejections)`, 'reason', r.rejections.byReason),
    ...SURVEY_QUESTIONS.map((q) => countTable(`survey-${q}`, `Survey answers: ${q}`, q, r.surveyAnswers[q], q === 'reason' ? 'The current answer of each lead that answered in the range.' : undefined)),
    countTable('emails', 'Mails sent by template', 'template', r.emails.sentByTemplate),
    {
      id: 'handoff-band',
      title: 'Conversion to client by temperature at hand-off',
      columns: ['temperature', 'handed off', 'clients', 'conversion'],
      numeric: [1, 2, 3],
      rows: r.handoff.byBand.map((x) => [x.band, fmtCount(x.handedOff), fmtCount(x.clients), fmtPct(x.conversion)]),
      note: 'Each lead by its temperature when first offered to a manager in the range; clients: became a client.',
    },
    {
      id: 'handoff-tier',
      title: 'Conversion by manager tier',
      columns: ['tier', 'leads received', 'won', 'conversion'],
      numeric: [1, 2, 3],
      rows: r.handoff.byTier.map((x) => [`tier ${x.tier}`, fmtCount(x.received), fmtCount(x.won), fmtPct(x.conversion)]),
      note: 'Leads offered in the range to managers of the tier (1 = best), and won by them.',
    },
    {
      id: 'handoff-matrix',
      title: 'Temperature at hand-off x manager tier',
      columns: ['temperature', 'tier', 'leads received', 'won', 'conversion'],
      numeric: [2, 3, 4],
      rows: r.handoff.byBandAndTier.map((x) => [x.band, `tier ${x.tier}`, fmtCount(x.received), fmtCount(x.won), fmtPct(x.conversion)]),
      note: 'The temperature at each offer: do hot leads go to the best managers, and do they win them?',
    },
    {
      id: 'sequences',
      title: 'Nurture sequences',
      columns: ['sequence', 'entered', 'now', 'sent', 'open rate', 'click rate', 'unsubscribed', 'goal', 'clients (30 days)', 'A/B'],
      numeric: [1, 2, 3, 4, 5, 6, 7, 8],
      rows: r.sequences.map((x) => [x.id, fmtCount(x.entered), fmtCount(x.now), fmtCount(x.sent), fmtPct(x.openRate), fmtPct(x.clickRate), fmtCount(x.unsubscribes), fmtCount(x.goalReached), fmtCount(x.clients), x.abTests.map((a) => `step ${a.step}: ${a.verdict}`).join('; ') || NONE]),
      note: 'Per step, template, locale and variant: npm run sequences -- stats <id>, or GET /sequences/<id>.',
    },
  ];
}

/** A table as aligned plain text, for the terminal. */
export function textTable(t: KpiTable): string {
  const all = [t.columns, ...t.rows];
  const widths = t.columns.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]): string => row.map((cell, i) => (t.numeric.includes(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [t.title, '='.repeat(t.title.length), line(t.columns), widths.map((w) => '-'.repeat(w)).join('  ')];
  out.push(...(t.rows.length ? t.rows.map(line) : ['(none)']));
  if (t.note) out.push(t.note);
  return out.join('\n');
}
