// `npm run sequences -- test-send`: one mail through a real SMTP server on 127.0.0.1, marked as a
// test in its subject and headers, rendered in the asked locale for the sample lead, and outside the
// ledger (no EmailLog row, no lead) so statistics never count it. Bad input is exit 2 with the reason.
import { spawn } from 'child_process';
import { mkdtempSync } from 'fs';
import { simpleParser } from 'mailparser';
import os from 'os';
import path from 'path';
import { createTestDb, type TestDb } from './helpers/db';
import { startTestSmtp, type TestSmtp } from './email.helpers';

const root = path.join(__dirname, '..');
let t: TestDb;
let smtp: TestSmtp;
beforeAll(async () => {
  t = await createTestDb();
  smtp = await startTestSmtp();
});
afterAll(async () => {
  await smtp?.stop();
  await t?.cleanup();
});

const cli = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    // Async: the SMTP server runs in this process and must answer while the CLI waits.
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'cli/sequences.ts'), ...args], {
      env: { ...process.env, DATABASE_URL: t.url, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'test-send-')), MAIL_FROM: 'Leadflow <hello@leadflow.test>' },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });

test('sends one marked test mail in the asked locale for the sample lead, outside the ledger', async () => {
  const r = await cli('test-send', 'warm-case-study', '--to', 'me@marketing.test', '--locale', 'pl', '--lead', path.join(root, 'content/examples/lead.json'));
  expect([r.status, r.stderr]).toEqual([0, '']);
  expect(r.stdout).toMatch(/^sent warm-case-study\/pl to me@marketing\.test via 127\.0\.0\.1:\d+: "\[TEST\] /m);
  const [raw] = await smtp.waitFor(1);
  const mail = await simpleParser(raw);
  expect(mail.subject).toMatch(/^\[TEST\] \S/);
  expect(mail.headers.get('x-leadflow-test')).toBe('1');
  expect(mail.headers.get('content-language')).toBe('pl');
  expect((mail.to as { text: string }).text).toBe('me@marketing.test');
  // The sample lead's first name, Polish words, no tracked links and no lead unsubscribe link.
  expect(mail.text).toContain('Ola');
  expect(mail.text).toMatch(/Pozdrawiamy/);
  expect(mail.html).not.toMatch(/\/(o|c|u)\/[A-Za-z0-9_-]{20,}/);
  expect(mail.html).toContain('mailto:hello@leadflow.test?subject=unsubscribe');
  expect(mail.headers.get('list-unsubscribe')).toBeUndefined();
  expect(await t.db.emailLog.count()).toBe(0);
  expect(await t.db.lead.count()).toBe(0);
}, 120_000);

test('a template that needs more variables says which; unknown templates and bad addresses are refused', async () => {
  smtp.clear();
  let r = await cli('test-send', 'holiday-greeting', '--to', 'me@marketing.test');
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/holiday-greeting: variable "holiday": .*--var name=value/);
  r = await cli('test-send', 'holiday-greeting', '--to', 'me@marketing.test', '--var', 'holiday=Boże Narodzenie', '--locale', 'pl');
  expect([r.status, r.stderr]).toEqual([0, '']);
  const [raw] = await smtp.waitFor(1);
  expect((await simpleParser(raw)).text).toContain('Boże Narodzenie');
  r = await cli('test-send', 'warm-casestudy', '--to', 'me@marketing.test');
  expect([r.status, r.stderr]).toEqual([2, expect.stringMatching(/unknown template "warm-casestudy"/)]);
  r = await cli('test-send', 'warm-case-study', '--to', 'not-an-address');
  expect([r.status, r.stderr]).toEqual([2, expect.stringMatching(/--to must be an e-mail address/)]);
  r = await cli('test-send', 'warm-case-study', '--to', 'me@marketing.test', '--locale', 'xx');
  expect([r.status, r.stderr]).toEqual([2, expect.stringMatching(/--locale xx: no texts in that language/)]);
  expect(smtp.received).toHaveLength(1);
}, 120_000);
