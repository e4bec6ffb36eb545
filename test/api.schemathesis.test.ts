// The OpenAPI document tells the truth: Schemathesis (PyPI, pinned; installed by `npm test`'s
// set-up into .tools/schemathesis) generates requests for every documented operation of the whole
// API (every plugin, the mail sink) and checks each answer: no server error, no status the document
// does not list, bodies and content types as documented. A bounded budget keeps it near 1-2 minutes
// on an idle machine; the generous timeouts are for a loaded one (the whole suite on 2 cores).
import { spawn } from 'child_process';
import { existsSync } from 'fs';
import path from 'path';
import { startFullApi, type FullApi } from './support/full-api';

const BIN = path.join(__dirname, '../.tools/schemathesis/bin/schemathesis');
const CHECKS = ['not_a_server_error', 'status_code_conformance', 'response_schema_conformance', 'content_type_conformance'];
/** How Schemathesis names each check's failures in its summary. */
const KINDS = { 'server errors': /Server error/, 'undocumented statuses': /Undocumented status code/, 'schema violations': /Response violates schema/, 'undocumented content types': /Undocumented Content-Type/ };

let full: FullApi;
beforeAll(async () => {
  // Limits high enough that Schemathesis' own volume does not turn into 429s (those are documented too).
  full = await startFullApi({ API_RATE_LIMIT_PER_MINUTE: '1000000', API_RATE_LIMIT_PER_IP_PER_MINUTE: '1000000', LINK_RATE_LIMIT_PER_MINUTE: '1000000' });
}, 120_000);
afterAll(() => full?.close());

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    // Async: the API under test answers from this same process.
    const p = spawn(BIN, args, { env: { ...process.env, NO_COLOR: '1', PYTHONIOENCODING: 'utf-8' } });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out }));
  });
}

test('Schemathesis against the running API: 0 server errors, 0 undocumented statuses, 0 schema violations', async () => {
  expect({ schemathesis: existsSync(BIN) ? 'installed' : `missing at ${BIN}: run npm test (its set-up installs it)` }).toEqual({ schemathesis: 'installed' });
  const { code, out } = await run([
    'run',
    `${full.url}/openapi.json`,
    '--header',
    `Authorization: Bearer ${full.adminKey}`,
    '--checks',
    CHECKS.join(','),
    '--workers',
    '1',
    '--max-examples',
    // A deeper local run: SCHEMATHESIS_MAX_EXAMPLES=300 npx jest test/api.schemathesis.test.ts
    process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '12',
    '--request-timeout',
    '60',
  ]);
  const lines = out.split('\n');
  const failures = lines.filter((l) => /❌ ST\d+/.test(l) || /^\s*❌ .+: \d+$/.test(l));
  const counts = Object.fromEntries(Object.entries(KINDS).map(([k, re]) => [k, failures.filter((l) => re.test(l)).reduce((n, l) => n + Number(/: (\d+)\s*$/.exec(l)?.[1] ?? 1), 0)]));
  const summary = lines.filter((l) => /^=+ .* in [\d.]+s =+$/.test(l.trim())).at(-1)?.trim() ?? '(no summary line)';
  const tested = lines.find((l) => /Tested: \d+/.test(l))?.trim() ?? '';
  const cases = lines.find((l) => /\d+ generated/.test(l))?.trim() ?? '';
  process.stdout.write(`\n[schemathesis] ${summary}\n[schemathesis] operations ${tested}; cases ${cases}\n[schemathesis] ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')}\n`);
  // On failure: each failing operation with what it got and what is documented (curl lines cut short).
  if (code !== 0) {
    const errors = lines.findIndex((l) => /^=+ ERRORS =+$/.test(l.trim()));
    process.stdout.write(`${lines.filter((l) => /^_+ [A-Z]+ |Received: |Documented: |^\[\d{3}\]|^- |curl /.test(l)).map((l) => l.slice(0, 300)).join('\n')}\n${errors >= 0 ? lines.slice(errors, errors + 40).map((l) => l.slice(0, 300)).join('\n') : ''}\n`);
  }
  expect(counts).toEqual({ 'server errors': 0, 'undocumented statuses': 0, 'schema violations': 0, 'undocumented content types': 0 });
  expect(code).toBe(0);
}, 900_000);
