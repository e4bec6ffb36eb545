// A sequence's statistics as titled tables (the KPI report's table shape): one layout for the CLI
// (text) and the sequence page (HTML), so both show the same figures the same way.
import { verdictText } from './ab-test';
import { fmtCount, fmtPct, type KpiTable } from './view';
import type { MailCounts, SequenceStats } from './sequence-stats';

const mailCells = (m: MailCounts): string[] => [fmtCount(m.sent), fmtCount(m.delivered), fmtCount(m.bounced), fmtCount(m.uniqueOpens), fmtPct(m.openRate), fmtCount(m.uniqueClicks), fmtPct(m.clickRate), fmtCount(m.unsubscribes)];
const MAIL_COLUMNS = ['sent', 'delivered', 'bounced', 'opened', 'open rate', 'clicked', 'click rate', 'unsubscribed'];

export function sequenceStatsTables(s: SequenceStats): KpiTable[] {
  const n = s.convertedWithinDays;
  const t = s.totals;
  const numeric = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);
  return [
    {
      id: 'totals',
      title: `${s.sequence.name} (${s.sequence.id}): totals`,
      columns: ['figure', 'value'],
      numeric: [1],
      rows: [
        ['entered the sequence', fmtCount(t.entered)],
        ['in it now', fmtCount(t.now)],
        ['mails sent', fmtCount(t.sent)],
        ['delivered', fmtCount(t.delivered)],
        ['bounced', fmtCount(t.bounced)],
        ['unique opens', `${fmtCount(t.uniqueOpens)} (${fmtPct(t.openRate)})`],
        ['unique clicks', `${fmtCount(t.uniqueClicks)} (${fmtPct(t.clickRate)})`],
        ['unsubscribed', fmtCount(t.unsubscribes)],
        ['left on a goal', fmtCount(t.goalReached)],
        [`became MQL within ${n} days`, fmtCount(t.converted.mql)],
        [`became SQL within ${n} days`, fmtCount(t.converted.sql)],
        [`became client within ${n} days`, fmtCount(t.converted.client)],
      ],
      note: 'Entered and converted: leads that entered in the range. Mails: sent in the range; opens and clicks of those mails (a click counts as an open too).',
    },
    {
      id: 'steps',
      title: 'Per step',
      columns: ['version', 'step', 'what', 'entered', 'now', ...MAIL_COLUMNS, 'goal', 'MQL', 'SQL', 'client'],
      numeric: numeric(3, 14),
      rows: s.steps.map((x) => [`v${x.version}`, x.step, x.label, fmtCount(x.entered), fmtCount(x.now), ...(x.kind === 'send' ? mailCells(x) : MAIL_COLUMNS.map(() => '')), fmtCount(x.goalReached), fmtCount(x.converted.mql), fmtCount(x.converted.sql), fmtCount(x.converted.client)]),
      note: `entered: leads that reached the step in the range; now: leads at the step now; goal: left on a goal while at the step; MQL/SQL/client: of those that entered, became so within ${n} days.`,
    },
    {
      id: 'templates',
      title: 'Per template and locale',
      columns: ['template', 'locale', ...MAIL_COLUMNS],
      numeric: numeric(2, 8),
      rows: s.templates.map((x) => [x.template, x.locale, ...mailCells(x)]),
    },
    ...s.splits.map(
      (sp): KpiTable => ({
        id: `split-v${sp.version}-${sp.step}`,
        title: `A/B split at step ${sp.step} (v${sp.version}), tested on: ${sp.metric}`,
        columns: ['variant', 'share', 'leads', 'opened', 'clicked', 'goal', 'MQL', 'SQL', 'client', 'mails sent', 'click rate (mails)', 'rate tested'],
        numeric: numeric(1, 11),
        rows: sp.variants.map((v) => [v.name, v.percent === null ? '' : `${v.percent}%`, fmtCount(v.leads), fmtCount(v.opened), fmtCount(v.clicked), fmtCount(v.goalReached), fmtCount(v.converted.mql), fmtCount(v.converted.sql), fmtCount(v.converted.client), fmtCount(v.sent), fmtPct(v.clickRate), fmtPct(v.rate)]),
        note: `${verdictText(sp.verdict)}. Per lead that entered the variant in the range; two-proportion z-test, alpha 0.05 (Bonferroni-corrected for more than two variants), power 80%.`,
      }),
    ),
    {
      id: 'exits',
      title: 'Where and why leads left',
      columns: ['version', 'at step', 'reason', 'leads'],
      numeric: [3],
      rows: s.exits.map((x) => [`v${x.version}`, x.step, x.reason, fmtCount(x.leads)]),
    },
  ];
}
