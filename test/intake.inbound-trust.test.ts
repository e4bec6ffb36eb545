// Inbound mail (/inbound/mail) believes a From only when our receiving MTA vouched for it
// (Authentication-Results from our authserv-id with dmarc=pass for the From's domain) or a trusted
// relay delivered it. A spoofed From is kept on the lead as an unverified event: no `replied`
// signal, no score, no new lead.
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
import { parseAuthResults } from '../domain/intake/inbound-trust';
import { createTestDb, type TestDb } from './helpers/db';
import { fakeResolver } from './intake.helpers';

let t: TestDb;
let app: FastifyInstance;
let key: string;
let leadId: string;
const started: { workflowId: string; type: string }[] = [];
// The intake routes only signal-with-start lead workflows; record those calls.
const temporal = {
  workflow: {
    signalWithStart: async (_wf: string, o: { workflowId: string; signalArgs: [{ type: string }] }) => {
      started.push({ workflowId: o.workflowId, type: o.signalArgs[0].type });
      return {};
    },
  },
} as unknown as Client;

const RELAY = '192.0.2.25';
const mail = (from: string, id: string, headers: string[] = []) =>
  [...headers, `From: ${from}`, 'To: sales@leadflow.test', 'Subject: Re: pricing', `Message-ID: <${id}@mail.test>`, 'Date: Mon, 23 Nov 2026 10:00:00 +0000', '', 'Call me.', ''].join('\r\n');
const send = (raw: string, remoteAddress = '203.0.113.50') => app.inject({ method: 'POST', url: '/inbound/mail', payload: raw, remoteAddress, headers: { authorization: `Bearer ${key}`, 'content-type': 'message/rfc822' } });

beforeAll(async () => {
  t = await createTestDb();
  const config = loadConfig({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'leadflow-inbound-')), LINK_SIGNING_SECRET: 'i'.repeat(40), INBOUND_AUTHSERV_ID: 'mx.leadflow.test', INBOUND_TRUSTED_RELAYS: `${RELAY}, 2001:db8::25` });
  app = await buildApi({ db: t.db, temporal, config }, [createIntakePlugin({ verifier: createEmailVerifier({ resolver: fakeResolver }) })]);
  key = (await createApiKey(t.db, 'mta', ['intake'])).key;
  leadId = (await t.db.lead.create({ data: { id: 'ceo', email: 'ceo@acme.test', source: 'web_form', workflowId: 'lead-ceo' } })).id;
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

test('a spoofed From (no verdict of our MTA) is kept unverified: no replied signal, no score', async () => {
  const res = await send(mail('CEO <ceo@acme.test>', 'spoof1'));
  expect(res.statusCode).toBe(202);
  expect(res.json()).toMatchObject({ leadId, created: false, verified: false, event: null });
  expect(started).toEqual([]);
  const kept = await t.db.leadEvent.findMany({ where: { leadId } });
  expect(kept).toEqual([expect.objectContaining({ type: 'inbound_mail_unverified', payload: { subject: 'Re: pricing', messageId: '<spoof1@mail.test>' } })]);
  // Posting it again stores it once.
  await send(mail('CEO <ceo@acme.test>', 'spoof1'));
  expect(await t.db.leadEvent.count({ where: { leadId } })).toBe(1);
});

test('forged verdicts do not count: another authserv-id, one below ours, dmarc fail, dmarc for another domain', async () => {
  const cases = [
    ['Authentication-Results: mx.attacker.test; dmarc=pass header.from=acme.test'],
    ['Authentication-Results: mx.leadflow.test; spf=pass smtp.mailfrom=attacker.test; dmarc=fail (p=reject) header.from=acme.test'],
    ['Authentication-Results: mx.leadflow.test; dmarc=pass header.from=attacker.test'],
    // Ours is the topmost; the sender's own header below it, claiming our id, is ignored.
    ['Authentication-Results: mx.leadflow.test; dmarc=none header.from=acme.test', 'Authentication-Results: mx.leadflow.test; dmarc=pass header.from=acme.test'],
  ];
  for (const [i, headers] of cases.entries()) {
    const res = await send(mail('ceo@acme.test', `forged${i}`, headers));
    expect([i, res.json().verified]).toEqual([i, false]);
  }
  // An unknown sender with a spoofed From does not become a lead.
  const stranger = await send(mail('Mallory <victim@newco.test>', 'stranger1'));
  expect(stranger.json()).toMatchObject({ leadId: null, created: false, verified: false });
  expect(await t.db.lead.findUnique({ where: { email: 'victim@newco.test' } })).toBeNull();
  expect(started).toEqual([]);
});

test("our MTA's dmarc=pass, or a trusted relay, makes it a replied event; a verified stranger becomes a lead", async () => {
  const ours = 'Authentication-Results: mx.leadflow.test;\r\n spf=pass smtp.mailfrom=acme.test;\r\n dkim=pass header.d=acme.test;\r\n dmarc=pass (p=quarantine) header.from=acme.test';
  const viaMta = await send(mail('CEO <CEO@Acme.test>', 'real1', [ours]));
  expect(viaMta.statusCode).toBe(202);
  expect(viaMta.json()).toMatchObject({ leadId, verified: true, event: 'replied', recorded: true });
  const viaRelay = await send(mail('ceo@acme.test', 'real2'), RELAY);
  expect(viaRelay.json()).toMatchObject({ leadId, verified: true, event: 'replied' });
  expect(started).toEqual([
    { workflowId: 'lead-ceo', type: 'replied' },
    { workflowId: 'lead-ceo', type: 'replied' },
  ]);
  const fresh = await send(mail('Jan Kowalski <jan@newco.test>', 'new1'), RELAY);
  expect(fresh.statusCode).toBe(201);
  expect(fresh.json()).toMatchObject({ created: true, verified: true, event: 'form_submitted' });
});

test('Authentication-Results parsing: comments, folding, version, properties', () => {
  expect(parseAuthResults('Authentication-Results: MX.Leadflow.test 1 (our mx);\r\n\tdmarc=pass (p=none dis=none) header.from=Acme.test; spf=fail smtp.mailfrom=x.test')).toEqual({
    authservId: 'mx.leadflow.test',
    results: [
      { method: 'dmarc', result: 'pass', props: { 'header.from': 'acme.test' } },
      { method: 'spf', result: 'fail', props: { 'smtp.mailfrom': 'x.test' } },
    ],
  });
});

test('a mail body of the wrong type is a 415; INBOUND_TRUSTED_RELAYS must be IP addresses', async () => {
  const json = await app.inject({ method: 'POST', url: '/inbound/mail', payload: { from: 'ceo@acme.test' }, headers: { authorization: `Bearer ${key}` } });
  expect(json.statusCode).toBe(415);
  expect(() => loadConfig({ DATA_DIR: '/tmp/leadflow-inbound-cfg', INBOUND_TRUSTED_RELAYS: 'mx.example.com' })).toThrow('INBOUND_TRUSTED_RELAYS: must be a comma-separated list of IP addresses');
});
