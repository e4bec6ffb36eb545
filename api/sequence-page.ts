// The sequence pages of the API (GET /sequences, GET /sequences/:id): self-contained HTML (inline
// SVG and CSS, no script, nothing fetched), the picture of the sequence with its statistics on it,
// and the statistics' tables. Every text from content or the database goes through html-escaper.
import { escape } from 'html-escaper';
import type { SequenceDefinition } from '../workflows/sequences/dsl';
import { fmtPct } from '../domain/kpi/view';
import { htmlTable, PAGE_STYLE } from './kpi-page';
import { sequenceSvg } from '../domain/content/sequence-graph';
import type { SequenceStats } from '../domain/kpi/sequence-stats';
import { verdictText } from '../domain/kpi/ab-test';
import { sequenceStatsTables } from '../domain/kpi/sequence-stats-view';

const EXTRA_STYLE = `main{max-width:1600px}section{overflow-x:auto}#table-steps td,#table-steps th{white-space:nowrap}.picture{overflow-x:auto;background:#fff}.picture svg{display:block;margin:.5rem auto}
nav a{color:#fff}a{color:#1f5fa8}.legend span{display:inline-block;padding:1px 8px;margin-right:6px;border-radius:4px;border:1px solid #888;font-size:.85rem}`;

const doc = (title: string, header: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(title)}</title><style>${PAGE_STYLE}${EXTRA_STYLE}</style></head><body>
<header>${header}</header><main>${body}</main></body></html>`;

const rangeText = (s: SequenceStats): string => `${s.range.from.slice(0, 10)} to ${new Date(Date.parse(s.range.to) - 1).toISOString().slice(0, 10)} (UTC)`;

/** GET /sequences: every sequence with its headline figures for the range. */
export function renderSequenceIndex(items: { def: SequenceDefinition; stats: SequenceStats }[], query: string): string {
  const rows = items
    .map(({ def, stats: s }) => {
      const t = s.totals;
      const ab = s.splits.map((sp) => `step ${sp.step}: ${verdictText(sp.verdict)}`).join('; ') || '–';
      const cells = [String(t.entered), String(t.now), String(t.sent), fmtPct(t.openRate), fmtPct(t.clickRate), String(t.unsubscribes), String(t.goalReached), String(t.converted.client)];
      return `<tr><th scope="row"><a href="/sequences/${encodeURIComponent(def.id)}${escape(query)}">${escape(def.id)}</a></th><td>${escape(def.name)} (v${def.version})</td>${cells.map((c) => `<td class="num">${escape(c)}</td>`).join('')}<td>${escape(ab)}</td></tr>`;
    })
    .join('');
  const head = ['sequence', 'name', 'entered', 'now', 'sent', 'open rate', 'click rate', 'unsubscribed', 'goal', 'clients', 'A/B']
    .map((c, i) => `<th scope="col"${i >= 2 && i <= 9 ? ' class="num"' : ''}>${escape(c)}</th>`)
    .join('');
  const range = items[0] ? rangeText(items[0].stats) : '';
  return doc(
    'Leadflow sequences',
    `<h1>Nurture sequences</h1><p>${escape(range)}</p>`,
    `<section><table id="sequences"><caption>Sequences (open one for its picture and statistics)</caption><thead><tr>${head}</tr></thead><tbody>${rows || '<tr><td colspan="11">no sequences</td></tr>'}</tbody></table></section>`,
  );
}

/** GET /sequences/:id: the picture of one version with the counts on it, then the tables. */
export function renderSequencePage(def: SequenceDefinition, stats: SequenceStats, versions: number[], query: string): string {
  const tables = sequenceStatsTables(stats);
  const others = versions
    .filter((v) => v !== def.version)
    .map((v) => `<a href="/sequences/${encodeURIComponent(def.id)}?version=${v}${escape(query.replace(/^\?/, '&'))}">v${v}</a>`)
    .join(' ');
  const legend = [
    ['send', '#e3effc'],
    ['wait', '#f5f5f5'],
    ['wait for an event', '#fff1dc'],
    ['branch', '#f1e7fb'],
    ['A/B split', '#e4f4e6'],
    ['stage, score, sales', '#eef6f6'],
    ['exit', '#fde8e8'],
    ['goals', '#fff8d6'],
  ]
    .map(([k, c]) => `<span style="background:${c}">${escape(k)}</span>`)
    .join('');
  return doc(
    `${def.name}: sequence`,
    `<nav><a href="/sequences${escape(query)}">All sequences</a></nav><h1>${escape(def.name)} <small>(${escape(def.id)} v${def.version})</small></h1><p>${escape(def.description)}</p><p>${escape(rangeText(stats))} · converted within ${stats.convertedWithinDays} days${others ? ` · other versions: ` : ''}${others}</p>`,
    `<section aria-labelledby="h-picture"><h2 id="h-picture">The sequence</h2><p class="legend">${legend}</p><div class="picture">${sequenceSvg(def, stats)}</div><p class="note">On each step: leads that entered it in the range, leads there now; on sends: mails sent and their open and click rates.</p></section>
${tables.map((t) => `<section>${htmlTable(t)}</section>`).join('\n')}`,
  );
}
