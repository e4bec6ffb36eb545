// The preview as a page a marketer reads (index.html next to the rendered mails): what happened to
// the lead, day by day in its own local time, why, where in the sequence (in words), the waits, the
// branches and variants taken, the lead's own events, and its score as a small inline SVG chart.
import { escape } from 'html-escaper';
import { DateTime } from 'luxon';
import { dayOf, local, whereWords, type EntryKind, type PreviewResult, type TimelineEntry } from './sequence-preview';

const KIND_WORDS: Record<EntryKind, string> = {
  enter: 'enters',
  mail: 'mail',
  deferred: 'held back',
  wait: 'waits',
  waitFor: 'wait ends',
  branch: 'branch',
  split: 'A/B split',
  stage: 'stage',
  temperature: 'temperature',
  score: 'score',
  sales: 'sales',
  lead: 'lead did',
  leave: 'leaves',
  note: 'note',
};

const KIND_COLOURS: Partial<Record<EntryKind, string>> = {
  mail: '#1d4ed8',
  deferred: '#b45309',
  wait: '#6b7280',
  branch: '#7c3aed',
  split: '#7c3aed',
  waitFor: '#7c3aed',
  lead: '#047857',
  stage: '#be123c',
  temperature: '#be123c',
  sales: '#be123c',
  leave: '#111827',
};

const W = 760;
const H = 170;
const PAD = { left: 40, right: 30, top: 14, bottom: 28 };

/** The score over the preview as a step line (it changes only at events), days on the x axis. */
export function scoreChart(r: PreviewResult): string {
  const zone = r.lead.timezone;
  const pts = r.scores.length ? r.scores : [{ at: r.start, score: 0 }];
  const max = Math.max(10, ...pts.map((p) => p.score));
  const top = Math.ceil(max / 10) * 10;
  const min = Math.min(0, ...pts.map((p) => p.score));
  const span = Math.max(r.end - r.start, 1);
  const x = (t: number): number => PAD.left + ((Math.min(Math.max(t, r.start), r.end) - r.start) / span) * (W - PAD.left - PAD.right);
  const y = (s: number): number => PAD.top + (1 - (s - min) / (top - min || 1)) * (H - PAD.top - PAD.bottom);
  let d = `M${x(r.start).toFixed(1)},${y(pts[0].score).toFixed(1)}`;
  for (const p of pts) d += ` H${x(p.at).toFixed(1)} V${y(p.score).toFixed(1)}`;
  d += ` H${x(r.end).toFixed(1)}`;
  const days = Math.round(span / 86_400_000);
  const every = days > 120 ? 30 : days > 40 ? 10 : days > 14 ? 7 : 1;
  const ticks: string[] = [];
  for (let day = 0; day <= days; day += every) {
    const t = DateTime.fromMillis(r.start, { zone }).plus({ days: day }).toMillis();
    ticks.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom + 4}" stroke="#9ca3af"/><text x="${x(t).toFixed(1)}" y="${H - 8}" text-anchor="middle">day ${day}</text>`);
  }
  const marks = pts
    .filter((p, i) => i === 0 || p.score !== pts[i - 1].score)
    .map((p) => `<circle cx="${x(p.at).toFixed(1)}" cy="${y(p.score).toFixed(1)}" r="3" fill="#1d4ed8"><title>${escape(`${local(p.at, zone)}: score ${p.score}`)}</title></circle>`);
  const last = pts[pts.length - 1];
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Score over the preview: from ${pts[0].score} to ${last.score}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11" fill="#374151">
<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" stroke="#d1d5db"/>
<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(top).toFixed(1)}" y2="${y(top).toFixed(1)}" stroke="#f3f4f6"/>
<text x="${PAD.left - 6}" y="${(y(0) + 4).toFixed(1)}" text-anchor="end">0</text>
<text x="${PAD.left - 6}" y="${(y(top) + 4).toFixed(1)}" text-anchor="end">${top}</text>
${ticks.join('\n')}
<path d="${d}" fill="none" stroke="#1d4ed8" stroke-width="2"/>
${marks.join('\n')}
<text x="${(x(last.at) + 6).toFixed(1)}" y="${(y(last.score) - 6).toFixed(1)}" font-weight="bold">${last.score}</text>
</svg>`;
}

function row(e: TimelineEntry, r: PreviewResult): string {
  const zone = r.lead.timezone;
  const mail = typeof e.detail?.mail === 'number' ? r.mails[e.detail.mail - 1] : undefined;
  // A mail links to its rendered file; its subject in quotes, not the file name.
  const what = mail
    ? `mail ${mail.n}: <b>${escape(mail.template)}</b> ${mail.file ? `<a href="${escape(mail.file)}">“${escape(mail.subject)}”</a>` : `“${escape(mail.subject)}”`}${mail.sequence ? '' : ` to ${escape(mail.to)}`}`
    : escape(e.text);
  const where = whereWords(e, r);
  const colour = KIND_COLOURS[e.kind] ?? '#374151';
  return `<tr class="${e.kind}"><td class="time">${escape(DateTime.fromMillis(e.at, { zone }).toFormat('HH:mm'))}</td><td><span class="kind" style="border-color:${colour};color:${colour}">${KIND_WORDS[e.kind]}</span></td><td>${what}</td><td class="where">${escape(where)}</td></tr>`;
}

export function previewPage(r: PreviewResult): string {
  const zone = r.lead.timezone;
  const rows: string[] = [];
  let day = -1;
  for (const e of r.timeline) {
    const d = dayOf(e.at, r.start, zone);
    if (d !== day) {
      day = d;
      rows.push(`<tr class="day"><th colspan="4">Day ${d} · ${escape(DateTime.fromMillis(e.at, { zone }).toFormat('cccc d LLLL yyyy'))}</th></tr>`);
    }
    rows.push(row(e, r));
  }
  const outcome = r.left ? `Left the sequence on day ${dayOf(r.left.at, r.start, zone)} (${local(r.left.at, zone)}): ${r.left.reason}.` : 'Still in the sequence at the end of the preview.';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Preview: ${escape(r.sequence.name)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:980px;color:#111827;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}.sub{color:#4b5563;margin-top:0}
.entry-note{background:#fef3c7;padding:.5em .8em;border-radius:4px}
table{border-collapse:collapse;width:100%}td{padding:5px 8px;border-bottom:1px solid #f3f4f6;vertical-align:top}
tr.day th{text-align:left;padding:14px 8px 6px;border-bottom:2px solid #e5e7eb;font-size:1.02em}
td.time{color:#4b5563;white-space:nowrap;font-variant-numeric:tabular-nums}td.where{color:#6b7280;font-size:.9em;white-space:nowrap}
.kind{display:inline-block;border:1px solid;border-radius:10px;padding:0 8px;font-size:.8em;white-space:nowrap}
tr.wait td,tr.deferred td{color:#6b7280;font-style:italic}
</style></head><body>
<h1>${escape(r.sequence.name)}</h1>
<p class="sub">${escape(r.sequence.id)} v${r.sequence.version} · lead ${escape(r.lead.id)} (${escape(r.lead.locale)}) · all times are the lead's local time, ${escape(zone)} · from ${escape(local(r.start, zone))} for ${Math.round((r.end - r.start) / 86_400_000)} days</p>
${r.entryNote ? `<p class="entry-note">${escape(r.entryNote)}</p>` : ''}
<p><b>${escape(outcome)}</b> ${r.mails.length} mail(s); stage at the end: ${escape(r.finalStage)}.</p>
<h2>Score</h2>
${scoreChart(r)}
<h2>Timeline</h2>
<table>
${rows.join('\n')}
</table>
</body></html>
`;
}
