// The per-file worker logs: this file's own log is written by test/helpers/suite-logs.ts, and the
// reporter prints a failing test's lines (and only its) after the file's result.
import { Runtime } from '@temporalio/worker';
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import path from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Reporter = require('./helpers/suite-logs-reporter.js') as { new (): { onTestResult(t: unknown, r: unknown): void }; logFileOf(p: string): string; SUITE_TAG: string };

test('SDK logs of a test file land in its log file, tagged with the running test', () => {
  // The logger the SDK's runtime is created with (creating one here would outlive the file).
  Runtime.defaultOptions.logger!.info('marker from the test', { leadId: 'L-1' });
  const file = Reporter.logFileOf(__filename);
  expect(path.relative(path.join(__dirname, '..'), file)).toBe(path.join('test-logs', 'suite-logs.test.log'));
  expect(readFileSync(file, 'utf8')).toContain(`${expect.getState().currentTestName}\t`);
  expect(readFileSync(file, 'utf8')).toMatch(/\t\d{4}-\d\d-\d\dT[\d:.]+Z INFO marker from the test \{"leadId":"L-1"\}/);
});

test('the reporter prints the lines of failing tests only', () => {
  const testPath = path.join(__dirname, 'fixtures', 'reporter-demo.test.ts');
  const file = Reporter.logFileOf(testPath);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, ['passes\tline of the passing test', 'fails\tline of the failing test', `${Reporter.SUITE_TAG}\tline of beforeAll`, ''].join('\n'));
  const written: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (written.push(String(s)), true));
  try {
    const result = (failed: boolean) => ({ testFilePath: testPath, testResults: [{ fullName: 'passes', status: 'passed' }, { fullName: 'fails', status: failed ? 'failed' : 'passed' }] });
    new Reporter().onTestResult(undefined, result(false));
    expect(written).toEqual([]);
    new Reporter().onTestResult(undefined, result(true));
  } finally {
    spy.mockRestore();
  }
  expect(written.join('')).toContain('line of the failing test');
  expect(written.join('')).not.toContain('line of the passing test');
  expect(written.join('')).not.toContain('line of beforeAll');
});
