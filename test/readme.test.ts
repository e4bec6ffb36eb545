// Every shell block the README (or a guide under docs/) marks runnable (`<!-- runnable ... -->` on the
// line before its fence) runs as written against the embedded stack a user gets from `npm start`
// (own data folder and ports), and must exit 0.
import { execFile, spawn, type ChildProcess } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { eventually } from './helpers/eventually';
import { freePort } from './helpers/ports';
import { sharedWorkflowBundlePath } from './helpers/workflow-bundle';

const root = path.join(__dirname, '..');

/** The runnable bash blocks of a Markdown file, with the line each starts on. */
export function runnableBlocks(markdown: string): { line: number; script: string }[] {
  const lines = markdown.split('\n');
  const blocks: { line: number; script: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^<!-- runnable\b/.test(lines[i]) || !/^```(bash|sh)\b/.test(lines[i + 1] ?? '')) continue;
    const end = lines.findIndex((l, j) => j > i + 1 && l.startsWith('```'));
    blocks.push({ line: i + 3, script: lines.slice(i + 2, end).join('\n') });
    i = end;
  }
  return blocks;
}

const docs = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const blocks = docs.flatMap((file) => runnableBlocks(readFileSync(path.join(root, file), 'utf8')).map((b) => ({ file, ...b })));

test('the README has runnable blocks (the intake example at least)', () => {
  expect(blocks.filter((b) => b.file === 'README.md' && b.script.includes('/leads')).length).toBeGreaterThanOrEqual(1);
});

describe('runnable blocks against the embedded stack', () => {
  let dir: string;
  let proc: ChildProcess;
  let out = '';
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'leadflow-readme-'));
    const apiPort = await freePort();
    env = {
      DATA_DIR: dir,
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      API_PORT: String(apiPort),
      SINK_SMTP_PORT: String(await freePort()),
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      SEED_DEMO: 'false',
    };
    // The run's prebuilt workflow bundle: the blocks talk to the API, webpack is not their subject.
    const bundle = sharedWorkflowBundlePath();
    if (bundle) env.WORKFLOW_BUNDLE = bundle;
    // The user's embedded default: no DATABASE_URL, so `start` runs its own PostgreSQL in DATA_DIR.
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete childEnv.DATABASE_URL;
    proc = spawn('npm', ['run', '-s', 'leadflow', '--', 'start'], { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    await eventually(() => {
      if (proc.exitCode !== null) throw new Error(`leadflow start exited:\n${out}`);
      return out.includes('leadflow is running');
    }, 'leadflow start to come up', { withinMs: 150_000, everyMs: 250 }).catch((e: Error) => {
      throw new Error(`${e.message}\n${out}`, { cause: e });
    });
    env.API = `http://127.0.0.1:${apiPort}`;
    env.KEY = readFileSync(path.join(dir, 'api-key'), 'utf8').trim();
  }, 180_000);

  afterAll(async () => {
    if (proc?.pid && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      process.kill(-proc.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    }
    proc?.stdout?.destroy();
    proc?.stderr?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  test.each(blocks.map((b) => [`${b.file}:${b.line}`, b] as const))('%s exits 0', async (_name, block) => {
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('bash', ['-euo', 'pipefail', '-c', block.script], { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
    if (result.code !== 0) throw new Error(`exit ${result.code}\n${result.stdout}\n${result.stderr}\n--- leadflow start ---\n${out.slice(-3000)}`);
    // The intake example ends by reading the lead back with its workflow's live state.
    if (block.script.includes('/leads')) expect(result.stdout).toMatch(/"stage"/);
  });
});
