// Worker and SDK logs of a test file go to test-logs/<file>.log, one line per entry tagged with the
// test that was running (test/helpers/suite-logs-reporter.js prints a failing test's lines). Runs in
// every test file before its tests (jest setupFilesAfterEnv).
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { appendFileSync, mkdirSync, writeFileSync } from 'fs';
import path from 'path';

// The reporter is plain JavaScript (jest loads it untransformed) and owns the file naming.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { logFileOf, SUITE_TAG } = require('./suite-logs-reporter.js') as { logFileOf(testPath: string): string; SUITE_TAG: string };

const file = logFileOf(expect.getState().testPath ?? 'unknown');
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, '');

const line = (e: LogEntry): string => {
  const at = new Date(Number(e.timestampNanos / 1_000_000n)).toISOString();
  const meta = e.meta && Object.keys(e.meta).length ? ` ${JSON.stringify(e.meta, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}` : '';
  return `${expect.getState().currentTestName ?? SUITE_TAG}\t${at} ${e.level} ${e.message}${meta}\n`;
};

// The options the SDK's Runtime is created with on first use: a file that never starts a worker
// gets no Temporal runtime. No forwarding of core's logs: forwarded lines are buffered and reach the
// logger after the test that caused them; core logs only errors, to stderr.
Runtime.defaultOptions = {
  logger: new DefaultLogger('INFO', (e) => appendFileSync(file, line(e))),
  telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
};
