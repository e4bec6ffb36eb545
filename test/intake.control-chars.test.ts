// Control characters (line breaks, tabs, other C0/C1, U+2028/2029) in a one-line profile field are
// refused where a lead enters: 400 naming the field on the API, a row error naming the column's
// field in the CSV import, InvalidLeadError from the intake core for every other entrance; nothing
// is written. (A "Eve\r\nX" first name used to be accepted and later fail the manager's card.)
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { createApiKey } from '../api/auth';
import { createIntakePlugin } from '../api/intake';
import { buildApi } from '../api/server';
import { loadConfig } from '../runtime/config';
import { createEmailVerifier } from '../domain/intake/email-verification';
import { intakeLead, InvalidLeadError } from '../domain/intake/intake';
import { importLeads } from '../domain/intake/lead-import';
import { createTestDb, type TestDb } from './helpers/db';
import { fakeResolver, validLead } from './intake.helpers';

let t: TestDb;
let api: FastifyInstance;
let key: string;
// Validation comes before any workflow: a Temporal call here would be a bug the test must see.
const temporal = new Proxy({}, { get: () => { throw new Error('Temporal must not be called for a refused lead'); } }) as unknown as Client;
const verifier = createEmailVerifier({ resolver: fakeResolver });

beforeAll(async () => {
  t = await createTestDb();
  const config = loadConfig({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'leadflow-ctl-')), LINK_SIGNING_SECRET: 'c'.repeat(40), API_RATE_LIMIT_PER_MINUTE: '100000' });
  api = await buildApi({ db: t.db, temporal, config }, [createIntakePlugin({ verifier })]);
  key = (await createApiKey(t.db, 'forms', ['intake'])).key;
});
afterAll(async () => {
  await api?.close();
  await t?.cleanup();
});

/** One of each kind: CR LF, LF, tab, NUL, DEL, C1 NEL, C1 CSI, line and paragraph separators. */
const CONTROLS = ['\r\n', '\n', '\t', '\u0000', '\u007f', '\u0085', '\u009b', '\u2028', '\u2029'];
const named = (c: string): string => `U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}`;

/** Body path -> a body with `bad` put into that field (mid-value: surrounding whitespace is trimmed). */
const FIELDS: [string, (bad: string) => Record<string, unknown>][] = [
  ['firstName', (c) => validLead({ firstName: `Eve${c}X` })],
  ['lastName', (c) => validLead({ lastName: `Nowak${c}Bcc: x@evil.test` })],
  ['company', (c) => validLead({ company: `Acme${c}Ltd` })],
  ['jobTitle', (c) => validLead({ jobTitle: `Head${c}of Sales` })],
  ['industry', (c) => validLead({ industry: `soft${c}ware` })],
  ['phone', (c) => validLead({ phone: `+48 22${c}123 45 67` })],
  ['website', (c) => validLead({ website: `https://acme.test/a${c}b` })],
  ['source.utm.campaign', (c) => validLead({ source: { channel: 'web_form', utm: { source: 'google', medium: 'cpc', campaign: `spring${c}sale` } } })],
  ['consent.textVersion', (c) => validLead({ consent: { status: 'confirmed', textVersion: `tos${c}2026` } })],
  ['eventId', (c) => validLead({ eventId: `form${c}1` })],
];

describe('POST /leads', () => {
  test.each(FIELDS)('a control character in %s: 400 naming the field, for every kind, nothing written', async (field, body) => {
    for (const c of CONTROLS) {
      const r = await api.inject({ method: 'POST', url: '/leads', headers: { authorization: `Bearer ${key}` }, payload: body(c) });
      expect({ c: named(c), status: r.statusCode }).toEqual({ c: named(c), status: 400 });
      const errors = r.json().errors as { field: string; message: string }[];
      expect(errors.map((e) => e.field)).toEqual([field]);
      // Where the field has no stricter rule of its own (the phone's pattern), the message says why.
      if (field !== 'phone') expect(errors[0].message).toMatch(/control characters/);
    }
    expect(await t.db.lead.count()).toBe(0);
  });

  test('surrounding whitespace (a trailing newline from a form) is trimmed, not refused', async () => {
    const { leadBodySchema } = await import('../domain/intake/lead-input');
    expect(leadBodySchema.parse(validLead({ firstName: '  Eve\r\n' })).firstName).toBe('Eve');
  });
});

describe('CSV import', () => {
  test('a control character in a name or company is a row error naming the field; the file goes on', async () => {
    const csv = [
      'email,first_name,last_name,company,job_title',
      '"a@acme.test","Eve\r\nX",Nowak,Acme,CEO', // 2-3: first_name (a quoted line break)
      'b@acme.test,Bob,"Now\tak",Acme,CEO', // 4: last_name
      `c@acme.test,Cid,Lee,Acme\u2028Ltd,CEO`, // 5: company
      `d@acme.test,Dan,Lee,Acme,Head\u0085of Sales`, // 6: job_title
    ].join('\n');
    const s = await importLeads({ db: t.db, temporal, taskQueue: 'unused', verifier }, csv);
    expect(s.created + s.merged).toBe(0);
    expect(s.bad.map((b) => b.errors.map((e) => e.field))).toEqual([['firstName'], ['lastName'], ['company'], ['jobTitle']]);
    for (const b of s.bad) expect(b.errors[0].message).toMatch(/control characters/);
    expect(await t.db.lead.count()).toBe(0);
  });
});

test('the intake core refuses it for every other entrance too (inbound mail, seeds, scripts)', async () => {
  const deps = { db: t.db, temporal, taskQueue: 'unused' };
  const attempt = intakeLead(deps, { email: 'eve@acme.test', firstName: 'Eve\r\nBcc: x@evil.test', company: 'Acme', source: 'api', consent: 'confirmed' });
  await expect(attempt).rejects.toBeInstanceOf(InvalidLeadError);
  await expect(intakeLead(deps, { email: 'eve@acme.test', firstName: 'Eve', company: 'Acme\u2029Ltd', source: 'api', consent: 'confirmed' })).rejects.toMatchObject({ errors: [{ field: 'company' }] });
  expect(await t.db.lead.count()).toBe(0);
});
