// `npm run kpi -- [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]`: the KPI report for a date range
// (to inclusive; default the last 90 days) from the database in DATABASE_URL, as tables or JSON.
import { parseArgs } from 'util';
import { createPrisma } from '../domain/db';
import { loadConfig } from '../runtime/config';
import { runCli, usageError } from './common';
import { computeKpis, kpiRangeSchema } from '../domain/kpi/report';
import { kpiTables, textTable } from '../domain/kpi/view';

const USAGE = 'usage: npm run kpi -- [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]   (dates or ISO date-times; to is inclusive)';

async function main(): Promise<number> {
  let values: { from?: string; to?: string; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) {
    return fail((e as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const range = kpiRangeSchema.safeParse({ ...(values.from !== undefined ? { from: values.from } : {}), ...(values.to !== undefined ? { to: values.to } : {}) });
  if (!range.success) return fail(range.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));

  const { DATABASE_URL } = loadConfig();
  const db = createPrisma(DATABASE_URL);
  try {
    const report = await computeKpis(db, range.data);
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else {
      const to = new Date(range.data.to.getTime() - 1).toISOString().slice(0, 10);
      console.log(`KPIs ${report.range.from.slice(0, 10)} to ${to} (UTC)\n`);
      console.log(kpiTables(report).map(textTable).join('\n\n'));
    }
    return 0;
  } finally {
    await db.$disconnect();
  }
}

const fail = (problem: string): number => usageError(problem, USAGE);

runCli(main);
