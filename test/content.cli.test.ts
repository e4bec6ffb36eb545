// `npm run sequences -- publish <file>`: a new sequence becomes an immutable published version; the
// same file again changes nothing; other content under the same version, or a file that does not
// lint, is refused (exit 1) and nothing is stored.
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import path from 'path';
import { createTestDb, type TestDb } from './helpers/db';

const root = path.join(__dirname, '..');
const example = path.join(root, 'content/examples/trial-onboarding.ts');
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t?.cleanup());

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'cli/sequences.ts'), ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: t.url }, timeout: 60_000 });

/** The example with one change, written where it can import the DSL. */
function variant(from: string, to: string): string {
  const file = path.join(mkdtempSync(path.join(root, 'node_modules/.cache-content-cli-')), 'variant.ts');
  writeFileSync(file, readFileSync(example, 'utf8').replace(from, to).replace("'../../workflows/sequences/dsl'", `'${path.join(root, 'workflows/sequences/dsl')}'`));
  return file;
}

test('publish, publish again, refuse a changed version and a file that does not lint, list', async () => {
  let r = cli('publish', example);
  expect([r.status, r.stderr]).toEqual([0, '']);
  expect(r.stdout).toMatch(/^published {2}sequence trial-onboarding v1 {2}[0-9a-f]{16}$/m);
  r = cli('publish', example);
  expect(r.stdout).toMatch(/^unchanged {2}sequence trial-onboarding v1/m);
  r = cli('publish', variant('warm-case-study', 'warm-comparison'));
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/trial-onboarding v1 is published already with other content .* publish the change as a new version/);
  r = cli('publish', variant('warm-case-study', 'warm-casestudy'));
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/unknown template "warm-casestudy"/);
  r = cli('publish', variant('version: 1,', 'version: 2,'));
  expect(r.stdout).toMatch(/^published {2}sequence trial-onboarding v2/m);
  expect(await t.db.contentVersion.count({ where: { contentId: 'trial-onboarding' } })).toBe(2);
  r = cli('published');
  expect(r.stdout.split('\n').filter((l) => l.includes('trial-onboarding')).map((l) => l.split(/\s+/)[2])).toEqual(['v2', 'v1']);
}, 180_000);
