// Jest reporter: after a test file with failing tests, prints those tests' worker and SDK log lines
// (test/helpers/suite-logs.ts writes every test file's into test-logs/<file>.log, tagged with the test
// that was running); passing files print nothing. Also the one place that names the log files.
/* eslint-disable @typescript-eslint/no-require-imports -- jest loads reporters untransformed, as CommonJS */
const { existsSync, readFileSync } = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..', '..');
/** The tag of lines logged outside a test (beforeAll, afterAll). */
const SUITE_TAG = '(suite)';
/** Lines printed per failing test at most (the newest); the file has them all. */
const MAX_LINES = 300;

/** test/a/b.test.ts -> test-logs/a/b.test.log */
const logFileOf = (testPath) => path.join(ROOT, 'test-logs', path.relative(path.join(ROOT, 'test'), testPath).replace(/\.ts$/, '.log'));

class SuiteLogsReporter {
  onTestResult(_test, result) {
    const failed = result.testResults.filter((r) => r.status === 'failed').map((r) => r.fullName);
    // A hook failure or a crash of the file: its suite-level lines belong to it.
    if (result.testExecError || result.failureMessage?.includes('beforeAll') || result.failureMessage?.includes('afterAll')) failed.push(SUITE_TAG);
    if (!failed.length) return;
    const file = logFileOf(result.testFilePath);
    if (!existsSync(file)) return;
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('\t')), l.slice(l.indexOf('\t') + 1)]);
    const out = [];
    for (const name of failed) {
      const own = lines.filter(([tag]) => tag === name).map(([, text]) => text);
      if (!own.length) continue;
      const shown = own.slice(-MAX_LINES);
      out.push(`\n  worker and SDK logs of "${name}" (${own.length} lines${own.length > shown.length ? `, the last ${shown.length}` : ''}; all in ${path.relative(ROOT, file)}):`, ...shown.map((t) => `    ${t}`));
    }
    if (out.length) process.stderr.write(`${out.join('\n')}\n`);
  }
}

module.exports = SuiteLogsReporter;
module.exports.logFileOf = logFileOf;
module.exports.SUITE_TAG = SUITE_TAG;
