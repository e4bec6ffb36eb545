// The marketer's preview and CLI: the shipped 6-month example prints the right timeline in the
// lead's timezone and writes the rendered mails; bad input files are refused naming line and field.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { execFileSync, spawnSync } from 'child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { parseJsonInput, readJsonInput } from '../cli/json-input';
import { formatPreview, previewLeadSchema, previewScriptSchema, previewSequence, type PreviewResult } from '../cli/sequence-preview';
import { createTimeSkippingEnv } from '../dev/time-skipping';
import { findShippedSequence as findSequence } from '../content/sequences';
import { findChromium } from './support/chromium';
import { workflowBundle } from './helpers/workflow-bundle';

const ROOT = path.join(__dirname, '..');
const EXAMPLES = path.join(ROOT, 'content', 'examples');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'leadflow-preview-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('preview on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  }, 120_000);
  afterAll(async () => {
    await env?.teardown();
  });

  test('the 6-month example: mails, waits, branch and exit in Warsaw time; rendered mails in the folder', async () => {
    const lead = readJsonInput(path.join(EXAMPLES, 'lead.json'), previewLeadSchema);
    // The example starts tomorrow 09:00; a fixed Monday keeps the dates (and DST) checkable.
    const script = { ...readJsonInput(path.join(EXAMPLES, 'cold-six-months.json'), previewScriptSchema), start: '2032-03-01T09:00' };
    const out = path.join(dir, 'mails');
    // The preview bundles the workflows itself here, as the marketer's CLI does (the other previews
    // take the run's shared bundle).
    const r = await previewSequence({ env, sequence: findSequence('cold-education', 1)!, lead, script, outDir: out });
    const text = formatPreview(r);
    expect(text).toContain('Lead lead-example-1 <ola.nowak@example.com>, pl, times in Europe/Warsaw; from Mon 1 Mar 2032 09:00 for 180 days');
    const lines = text.split('\n');
    const line = (re: RegExp): string => lines.find((l) => re.test(l)) ?? `(no line matching ${re})`;
    expect(line(/mail 1: cold-ebook/)).toMatch(/^day {3}0 {2}Mon 1 Mar 2032 09:00 +mail +mail 1: cold-ebook "Twój e-book: .*" -> 01-cold-ebook\.html {2}\(step 1\)$/);
    expect(line(/waitFor email_clicked/)).toMatch(/^day {3}0 {2}Mon 1 Mar 2032 09:00 +wait +waits 4d until Fri 5 Mar 2032 09:00: waitFor email_clicked\/document_downloaded \(timeout 4 days\) {2}\(step 2\)$/);
    expect(line(/lead: email_clicked/)).toMatch(/^day {3}1 {2}Tue 2 Mar 2032 08:32 +lead +lead: email_clicked mail 1 \(cold-ebook\) \(\+4 points\)$/);
    expect(line(/mail 2:/)).toMatch(/Wed 3 Mar 2032 08:32 .*mail 2: cold-blog-digest/);
    expect(line(/waitUntil/)).toMatch(/waits 6d 1h until Tue 16 Mar 2032 10:00: waitUntil next Tue 10:00/);
    expect(line(/mail 3:/)).toMatch(/^day {2}15 {2}Tue 16 Mar 2032 10:00 .*mail 3: cold-webinar-invite/);
    // 21 days after 10:00 CET is 11:00 CEST: the wait is a duration, the clock moved on 28 March.
    expect(line(/onTimeout branch/)).toMatch(/^day {2}36 {2}Tue 6 Apr 2032 11:00 +waitFor +no webinar_attended in time/);
    expect(line(/^.*branch +branch/)).toMatch(/branch "lead did email_opened within 30 days": yes -> then/);
    // Positions in words, not keys: 6.onTimeout.0.then.0 is the 7th step's timeout arm, its branch's yes arm.
    expect(line(/mail 4:/)).toMatch(/mail 4: cold-blog-digest .*\(step 7, on timeout, step 1, if yes, step 1\)$/);
    expect(text).not.toMatch(/\[@/);
    expect(text).toContain('Left cold-education on day 36 (Tue 6 Apr 2032 11:00): completed.');
    expect(text).toContain('4 mail(s); stage at the end: nurturing.');

    expect(readdirSync(out).sort()).toEqual([
      '01-cold-ebook.html', '01-cold-ebook.txt', '02-cold-blog-digest.html', '02-cold-blog-digest.txt',
      '03-cold-webinar-invite.html', '03-cold-webinar-invite.txt', '04-cold-blog-digest.html', '04-cold-blog-digest.txt', 'index.html',
    ]);
    const html = readFileSync(path.join(out, '01-cold-ebook.html'), 'utf8');
    expect(html).toContain('Ola'); // the lead's variables, rendered by the real renderer
    expect(html).toContain('/unsubscribe/preview');
    expect(html).not.toMatch(/\{\{\w+/);
    expect(readFileSync(path.join(out, 'index.html'), 'utf8')).toContain('<a href="03-cold-webinar-invite.html">“Zapraszamy na webinar na żywo”</a>');
    pageChecks(readFileSync(path.join(out, 'index.html'), 'utf8'), r);
    screenshot(path.join(out, 'index.html'));
  });

  test('a lead whose profile would pick another sequence is put in anyway, with a note', async () => {
    const lead = previewLeadSchema.parse({ id: 'note-1', profile: { email: 'a@example.com', firstName: 'A', timezone: 'America/New_York' } });
    const r = await previewSequence({ env, workflowBundle: await workflowBundle(), sequence: findSequence('warm-consideration', 1)!, lead, script: previewScriptSchema.parse({ days: 1 }) });
    expect(r.entryNote).toBe('a cold lead in stage nurturing would enter cold-education, not warm-consideration; the preview puts it into warm-consideration directly');
    expect(formatPreview(r)).toContain('times in America/New_York');
    expect(r.mails.map((m) => m.template)).toEqual(['warm-case-study']);
  });
});

/** The page a person reads: days in the lead's time, waits, branches, lead events, a score chart, no position keys, whole scores. */
function pageChecks(html: string, r: PreviewResult): void {
  expect(html).toContain('all times are the lead\'s local time, Europe/Warsaw');
  expect(html).toContain('<tr class="day"><th colspan="4">Day 0 · Monday 1 March 2032</th></tr>');
  expect(html).toContain('<tr class="day"><th colspan="4">Day 36 · Tuesday 6 April 2032</th></tr>');
  expect(html).toMatch(/<tr class="wait"><td class="time">09:00<\/td>.*waits 4d until Fri 5 Mar 2032 09:00: waitFor email_clicked\/document_downloaded \(timeout 4 days\).*<td class="where">step 2<\/td><\/tr>/);
  expect(html).toMatch(/<tr class="branch">.*branch &quot;lead did email_opened within 30 days&quot;: yes -&gt; then.*<td class="where">step 7, on timeout, step 1<\/td>/);
  expect(html).toMatch(/<tr class="lead"><td class="time">08:32<\/td>.*lead: email_clicked mail 1 \(cold-ebook\) \(\+4 points\)/);
  // The score chart: one mark per change, the last score printed, all whole numbers.
  expect(html).toMatch(/<svg [^>]*role="img" aria-label="Score over the preview: from \d+ to \d+"/);
  expect((html.match(/<circle /g) ?? []).length).toBe(r.scores.length);
  expect(r.scores.length).toBeGreaterThan(2);
  for (const s of r.scores) expect(Number.isInteger(s.score)).toBe(true);
  expect(html).not.toMatch(/\[@|\d+\.\d{2} points|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
}

/** The page in headless Chromium: a full-page screenshot to test-artifacts/sequence-preview.png. */
function screenshot(file: string): void {
  const chromium = findChromium();
  if (!chromium) return console.warn('preview screenshot skipped: no chromium binary (apt-get install chromium, or set CHROMIUM_PATH)');
  const artifacts = path.join(ROOT, 'test-artifacts');
  mkdirSync(artifacts, { recursive: true });
  const png = path.join(artifacts, 'sequence-preview.png');
  rmSync(png, { force: true });
  copyFileSync(file, path.join(artifacts, 'sequence-preview.html'));
  const profile = mkdtempSync(path.join(tmpdir(), 'leadflow-chromium-'));
  try {
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--user-data-dir=${profile}`];
    const dom = execFileSync(chromium, [...flags, '--dump-dom', `file://${file}`], { encoding: 'utf8', timeout: 90_000, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(dom.match(/<svg [^>]*role="img"/g)).toHaveLength(1);
    execFileSync(chromium, [...flags, '--window-size=1100,1500', `--screenshot=${png}`, `file://${file}`], { timeout: 90_000, stdio: 'ignore' });
    const shot = readFileSync(png);
    expect([shot.readUInt32BE(16), shot.readUInt32BE(20)]).toEqual([1100, 1500]);
    // A blank or error page compresses to a few KB; the timeline and its chart do not.
    expect(shot.length).toBeGreaterThan(100_000);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

describe('input files', () => {
  test('a bad lead names line and field of every problem', () => {
    const text = '{\n  "profile": {\n    "email": "not-an-address",\n    "firstName": "Ola",\n    "timezone": "Europe/Warsw"\n  },\n  "stage": "warm"\n}\n';
    expect(() => parseJsonInput(text, previewLeadSchema, 'lead.json')).toThrow(
      [
        '3 problems in lead.json:',
        '  lead.json:3 profile.email: must be an e-mail address',
        '  lead.json:5 profile.timezone: must be an IANA timezone like Europe/Warsaw',
        '  lead.json:7 stage: Invalid option: expected one of "new"|"nurturing"|"mql"|"sql"|"handed_off"|"client"|"rejected"|"deferred"|"unsubscribed"|"erased"',
      ].join('\n'),
    );
  });

  test('a missing field points at its object; broken JSON at its line', () => {
    expect(() => parseJsonInput('{\n  "id": "x",\n  "profile": {\n    "firstName": "Ola"\n  }\n}', previewLeadSchema, 'lead.json')).toThrow(/lead\.json:3 profile\.email: must be an e-mail address/);
    expect(() => parseJsonInput('{\n  "days": 30,\n  "actions": [\n    { "day": 1 "do": "replied" }\n  ]\n}', previewScriptSchema, 'script.json')).toThrow(/^script\.json:4: not valid JSON/);
  });

  test('script actions are checked: page views need a page, the mail number fits the event, days within the preview', () => {
    const text = JSON.stringify({ days: 30, actions: [{ day: 1, do: 'page_viewed' }, { day: 2, do: 'webinar_attended', mail: 1 }, { day: 4, do: 'replied' }, { day: 3, do: 'email_opend' }] }, null, 2);
    let message = '';
    try {
      parseJsonInput(text, previewScriptSchema, 'script.json');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('script.json:4 actions.0.url: page_viewed needs the page, e.g. "url": "/pricing"');
    expect(message).toContain('script.json:11 actions.1.mail: "mail" applies to email_opened, email_clicked, replied, bounced, unsubscribed');
    expect(message).toMatch(/script\.json:19 actions\.3\.do: must be one of email_opened, /);
    const late = JSON.stringify({ days: 30, actions: [{ day: 40, do: 'replied' }] }, null, 2);
    expect(() => parseJsonInput(late, previewScriptSchema, 'script.json')).toThrow('script.json:5 actions.0.day: is after the end of the preview (days: 30)');
  });
});

describe('npm run sequences', () => {
  const cli = (...args: string[]) => spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'cli', 'sequences.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });

  test('lint passes on the shipped sequences', () => {
    const r = cli('lint');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^OK: 5 sequences \(\d+ versions\), \d+ templates they send, scoring rules, \d+ segments\.$/m);
    expect(r.status).toBe(0);
  });

  test('bad usage and bad files exit 2 with the reason', () => {
    const unknown = cli('preview', 'no-such-sequence', '--lead', 'x.json');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no sequence "no-such-sequence" (known: cold-education, warm-consideration, hot-fast-track, farewell-survey, deferred-keep-in-touch)');
    const file = path.join(dir, 'bad-lead.json');
    writeFileSync(file, '{ "profile": { "email": "a@example.com", "timezone": "Mars/Base" } }');
    const bad = cli('preview', 'cold-education', '--lead', file);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe(`A problem in ${file}:\n  ${file}:1 profile.timezone: must be an IANA timezone like Europe/Warsaw`);
    expect(existsSync(path.join(dir, 'mails-never'))).toBe(false);
  });
});
