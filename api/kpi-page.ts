// The KPI report as one self-contained HTML page: charts drawn server-side as inline SVG (no
// script, nothing fetched), each followed by its data table, which is also the chart's text
// alternative. Every text from the database goes through html-escaper.
import { escape } from 'html-escaper';
import type { KpiReport } from '../domain/kpi/report';
import { fmtDays, fmtMoney, fmtPct, kpiTables, type KpiTable } from '../domain/kpi/view';

interface Bar { label: string; value: number; text: string }
interface Series { name: string; color: string }

const COLORS = { primary: '#1f5fa8', secondary: '#c2571a', good: '#2e7d32' };
// Ids for the charts' title/desc elements; restarted per page so a page's ids are stable.
let chartSeq = 0;

const n2 = (v: number): string => v.toFixed(1);

/** Horizontal bars, one per item, labelled with their value. */
function barChart(title: string, desc: string, bars: Bar[], color = COLORS.primary): string {
  const id = `chart-${++chartSeq}`;
  const row = 28;
  const labelW = 190;
  const barW = 360;
  const h = Math.max(1, bars.length) * row + 10;
  const max = Math.max(0, ...bars.map((b) => b.value));
  const body = bars.length
    ? bars
        .map((b, i) => {
          const y = 5 + i * row;
          const w = max > 0 ? Math.max(b.value > 0 ? 2 : 0, (b.value / max) * barW) : 0;
          return `<text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${escape(b.label)}</text><rect x="${labelW}" y="${y + 4}" width="${n2(w)}" height="${row - 8}" fill="${color}" rx="2"/><text x="${labelW + w + 6}" y="${y + 17}">${escape(b.text)}</text>`;
        })
        .join('')
    : `<text x="8" y="20">no data in this range</text>`;
  return `<svg class="chart" role="img" aria-labelledby="${id}-t ${id}-d" viewBox="0 0 ${labelW + barW + 110} ${h}" width="${labelW + barW + 110}" height="${h}"><title id="${id}-t">${escape(title)}</title><desc id="${id}-d">${escape(desc)}</desc>${body}</svg>`;
}

/** Vertical bars in groups (one group per label, one bar per series), with a legend. */
function groupedChart(title: string, desc: string, series: Series[], groups: { label: string; values: (number | null)[] }[], fmt: (v: number) => string): string {
  const id = `chart-${++chartSeq}`;
  const plotH = 200;
  const top = 44;
  const barW = 44;
  const groupW = series.length * barW + 48;
  const left = 24;
  const w = Math.max(560, left + groups.length * groupW + 20);
  const h = top + plotH + 40;
  const max = Math.max(0, ...groups.flatMap((g) => g.values.map((v) => v ?? 0)));
  const legend = series.map((s, i) => `<rect x="${left + i * 150}" y="6" width="12" height="12" fill="${s.color}"/><text x="${left + i * 150 + 18}" y="17">${escape(s.name)}</text>`).join('');
  const bars = groups
    .map((g, gi) => {
      const x0 = left + gi * groupW;
      const cols = g.values
        .map((v, si) => {
          const val = Math.max(0, v ?? 0);
          const bh = max > 0 ? (val / max) * plotH : 0;
          const x = x0 + si * barW;
          return `<rect x="${x}" y="${n2(top + plotH - bh)}" width="${barW - 4}" height="${n2(bh)}" fill="${series[si].color}"/><text class="small" x="${x + (barW - 4) / 2}" y="${n2(top + plotH - bh - 3)}" text-anchor="middle">${escape(v === null ? '–' : fmt(v))}</text>`;
        })
        .join('');
      return `${cols}<text x="${x0 + (series.length * barW) / 2}" y="${top + plotH + 18}" text-anchor="middle">${escape(g.label)}</text>`;
    })
    .join('');
  const axis = `<line x1="${left - 4}" y1="${top + plotH}" x2="${w - 10}" y2="${top + plotH}" stroke="#555"/>`;
  const body = groups.length ? `${legend}${bars}${axis}` : `<text x="8" y="20">no data in this range</text>`;
  return `<svg class="chart" role="img" aria-labelledby="${id}-t ${id}-d" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}"><title id="${id}-t">${escape(title)}</title><desc id="${id}-d">${escape(desc)}</desc>${body}</svg>`;
}

export function htmlTable(t: KpiTable): string {
  const cls = (i: number): string => (t.numeric.includes(i) ? ' class="num"' : '');
  const head = t.columns.map((c, i) => `<th scope="col"${cls(i)}>${escape(c)}</th>`).join('');
  const rows = t.rows.length
    ? t.rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${escape(c)}</th>` : `<td${cls(i)}>${escape(c)}</td>`)).join('')}</tr>`).join('')
    : `<tr><td colspan="${t.columns.length}">none in this range</td></tr>`;
  return `<table id="table-${escape(t.id)}"><caption>${escape(t.title)}</caption><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>${t.note ? `<p class="note">${escape(t.note)}</p>` : ''}`;
}

function charts(r: KpiReport): Record<string, string> {
  chartSeq = 0;
  const f = r.funnel.total;
  const c = r.campaigns.rows;
  return {
    funnel: barChart(
      'Funnel: leads, MQL, SQL, clients',
      `Of ${f.leads} leads first touched in the range, ${f.mql} reached MQL, ${f.sql} SQL and ${f.clients} became clients.`,
      [
        { label: 'leads', value: f.leads, text: String(f.leads) },
        { label: 'MQL', value: f.mql, text: `${f.mql} (${fmtPct(f.leadToMql)} of leads)` },
        { label: 'SQL', value: f.sql, text: `${f.sql} (${fmtPct(f.mqlToSql)} of MQL)` },
        { label: 'clients', value: f.clients, text: `${f.clients} (${fmtPct(f.sqlToClient)} of SQL)` },
      ],
    ),
    leads: barChart(
      'Leads by source',
      'Leads first touched in the range, per source.',
      r.funnel.bySource.map((s) => ({ label: s.source, value: s.leads, text: String(s.leads) })),
    ),
    campaigns: groupedChart(
      'Spend and gross margin per campaign',
      c.map((x) => `${x.name}: spend ${fmtMoney(x.spend)}, margin ${fmtMoney(x.grossMargin)}, ROI ${fmtPct(x.roi)}`).join('; ') || 'no campaigns in the range',
      [{ name: 'spend', color: COLORS.secondary }, { name: 'gross margin', color: COLORS.good }],
      c.map((x) => ({ label: x.id, values: [x.spend, x.grossMargin] })),
      (v) => v.toFixed(0),
    ),
    cycle: groupedChart(
      'Sales cycle per month won, days',
      r.salesCycle.byMonth.map((m) => `${m.month}: median ${fmtDays(m.medianDays)}, p90 ${fmtDays(m.p90Days)} days (${m.clients} clients)`).join('; ') || 'no clients won in the range',
      [{ name: 'median', color: COLORS.primary }, { name: 'p90', color: COLORS.secondary }],
      r.salesCycle.byMonth.map((m) => ({ label: m.month, values: [m.medianDays, m.p90Days] })),
      (v) => v.toFixed(1),
    ),
    managers: barChart(
      'Conversion per manager',
      'Won / received per manager for leads offered in the range.',
      r.managers.map((m) => ({ label: m.name, value: m.conversion ?? 0, text: `${fmtPct(m.conversion)} (${m.won}/${m.received})` })),
      COLORS.good,
    ),
    rejections: barChart('Rejection reasons', 'Rejections in the range by reason.', r.rejections.byReason.map((x) => ({ label: x.key, value: x.count, text: String(x.count) })), COLORS.secondary),
    handoff: barChart(
      'Conversion to client by temperature at hand-off',
      r.handoff.byBand.map((b) => `${b.band}: ${fmtPct(b.conversion)} (${b.clients}/${b.handedOff})`).join('; '),
      r.handoff.byBand.map((b) => ({ label: b.band, value: b.conversion ?? 0, text: `${fmtPct(b.conversion)} (${b.clients}/${b.handedOff})` })),
      COLORS.good,
    ),
    survey: barChart('Survey answers: reason', 'Current survey answers submitted in the range, by the reason given.', r.surveyAnswers.reason.map((x) => ({ label: x.key, value: x.count, text: String(x.count) }))),
  };
}

export const PAGE_STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header{background:#1f3b5c;color:#fff;padding:1rem 2rem}header h1{margin:0;font-size:1.5rem}
main{padding:1rem 2rem;max-width:1100px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1rem 1.25rem;margin:1rem 0}
h2{font-size:1.15rem;margin:.2rem 0 .6rem}
.chart{display:block;max-width:100%;height:auto;margin:.5rem 0;font-size:13px}.chart text{fill:#1b1b1b}.chart .small{font-size:11px}
table{border-collapse:collapse;margin:.5rem 0;min-width:22rem}caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#444;font-size:.85rem;margin:.25rem 0}
dl.cards{display:flex;flex-wrap:wrap;gap:.75rem;margin:0}dl.cards div{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.5rem .9rem;min-width:9rem}
dl.cards dt{font-size:.8rem;color:#444}dl.cards dd{margin:0;font-size:1.35rem;font-weight:600}`;

export function renderKpiPage(r: KpiReport): string {
  const tables = kpiTables(r);
  const chart = charts(r);
  const t = Object.fromEntries(tables.map((x) => [x.id, x]));
  const cards: [string, string][] = [
    ['leads', String(r.leads.total)],
    ['new clients', String(r.salesCycle.overall.clients)],
    ['lead -> client', fmtPct(r.funnel.total.leadToClient)],
    ['CPL', fmtMoney(r.campaigns.total.cpl)],
    ['CPA', fmtMoney(r.campaigns.total.cpa)],
    ['ROI', fmtPct(r.campaigns.total.roi)],
    ['cycle median (days)', fmtDays(r.salesCycle.overall.medianDays)],
    ['won back', String(r.requalified.wonBack)],
  ];
  const section = (id: string, heading: string, ...parts: string[]): string => `<section aria-labelledby="h-${id}"><h2 id="h-${id}">${escape(heading)}</h2>${parts.join('')}</section>`;
  const from = r.range.from.slice(0, 10);
  const toIncl = new Date(Date.parse(r.range.to) - 1).toISOString().slice(0, 10);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Leadflow KPIs ${escape(from)} – ${escape(toIncl)}</title><style>${PAGE_STYLE}</style></head><body>
<header><h1>Leadflow KPIs</h1><p>${escape(from)} to ${escape(toIncl)} (UTC) · generated ${escape(r.generatedAt)}</p></header>
<main>
${section('summary', 'Summary', `<dl class="cards">${cards.map(([k, v]) => `<div><dt>${escape(k)}</dt><dd>${escape(v)}</dd></div>`).join('')}</dl>`, htmlTable(t.summary))}
${section('funnel', 'Funnel', chart.funnel, htmlTable(t.funnel))}
${section('leads', 'Leads by source and channel', chart.leads, htmlTable(t.leads))}
${section('campaigns', 'Campaigns: CPL, CPA, ROI', chart.campaigns, htmlTable(t.campaigns))}
${section('cycle', 'Sales cycle', chart.cycle, htmlTable(t.cycle))}
${section('managers', 'Managers', chart.managers, htmlTable(t.managers))}
${section('rejections', 'Rejections and surveys', chart.rejections, htmlTable(t.rejections), chart.survey, htmlTable(t['survey-reason']), htmlTable(t['survey-timing']), htmlTable(t['survey-budget']))}
${section('handoff', 'Hand-off: temperature and manager tier', chart.handoff, htmlTable(t['handoff-band']), htmlTable(t['handoff-tier']), htmlTable(t['handoff-matrix']))}
${section('sequences', 'Nurture sequences', htmlTable(t.sequences), `<p class="note">${r.sequences.map((x) => `<a href="/sequences/${encodeURIComponent(x.id)}">${escape(x.id)}</a>`).join(' · ')}: each sequence's picture and statistics per step, template, locale and A/B variant.</p>`)}
${section('emails', 'Greetings, offers and other mail', `<p>Greetings sent: <strong>${r.emails.greetingsSent}</strong> · offers sent: <strong>${r.emails.offersSent}</strong> · re-qualified leads: <strong>${r.requalified.leads}</strong> · won back: <strong>${r.requalified.wonBack}</strong></p>`, htmlTable(t.emails))}
</main></body></html>`;
}
