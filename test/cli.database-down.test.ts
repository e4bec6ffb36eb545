// The marketer's and ops' command-line tools with a database that does not answer (stack not
// started, wrong port) or refuses the password: one line naming the database (password hidden) and
// what to do, a non-zero exit, and no driver stack trace.
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { freePort } from './helpers/ports';
import { createTestDb, type TestDb } from './helpers/db';

const root = path.join(__dirname, '..');
let dataDir: string;
let t: TestDb;
beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'leadflow-cli-db-down-'));
  t = await createTestDb();
});
afterAll(async () => {
  await t?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

const run = (url: string, ...args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir },
    timeout: 60_000,
  });

const tools: [string, string[]][] = [
  ['kpi', ['cli/kpi.ts']],
  ['sequences stats', ['cli/sequences.ts', 'stats', 'cold-education']],
  ['sequences published', ['cli/sequences.ts', 'published']],
  ['segments count', ['cli/segments.ts', 'count', 'polish-trials']],
];

test.each(tools)('%s: a database that does not answer is one line', async (_name, args) => {
  const url = `postgresql://leadflow:s3cret-password@127.0.0.1:${await freePort()}/leadflow`;
  const r = run(url, ...args);
  expect(r.status).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^database postgresql:\/\/leadflow:\*\*\*@127\.0\.0\.1:\d+\/leadflow: does not answer \((ECONNREFUSED|P1001)\)\. Start the stack with `npm start`, or set DATABASE_URL\.$/);
  expect(r.stderr).not.toContain('s3cret-password');
});

test('a wrong password is named as such', () => {
  const u = new URL(t.url);
  u.password = 'not-the-password';
  const r = run(u.toString(), 'cli/kpi.ts');
  expect(r.status).not.toBe(0);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/authentication failed \((28P01|P1000)\)/);
});
