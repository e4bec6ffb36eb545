// Shared set-up of the intake tests: a migrated PostgreSQL database, the API with the intake and link
// plugins, API keys, a DNS stand-in (no network), and a Temporal server.
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { createApiKey } from '../api/auth';
import { createIntakePlugin } from '../api/intake';
import { linksPlugin } from '../api/links';
import { buildApi } from '../api/server';
import { loadConfig, type Config } from '../runtime/config';
import { createEmailVerifier, type DomainResolver } from '../domain/intake/email-verification';
import type { TestDb } from './helpers/db';

const dnsError = (code: string) => Object.assign(new Error(`queryMx ${code}`), { code });

/**
 * Stand-in DNS: every domain has a mail host except `nx-*` (no such domain), `nomail.test` (no
 * records), `nullmx.test` (RFC 7505 null MX) and `dnsdown.test` (our resolver times out).
 */
export const fakeResolver: DomainResolver = {
  async resolveMx(domain) {
    if (domain.startsWith('nx-')) throw dnsError('ENOTFOUND');
    if (domain === 'nomail.test') throw dnsError('ENODATA');
    if (domain === 'nullmx.test') return [{ exchange: '.', priority: 0 }];
    if (domain === 'dnsdown.test') throw dnsError('ETIMEOUT');
    return [{ exchange: `mx.${domain}`, priority: 10 }];
  },
  async resolve4(domain) {
    throw dnsError(domain === 'dnsdown.test' ? 'ETIMEOUT' : 'ENODATA');
  },
  async resolve6() {
    throw dnsError('ENODATA');
  },
};

export interface IntakeApi {
  api: FastifyInstance;
  config: Config;
  keys: { intake: string; admin: string };
  auth: (k: 'intake' | 'admin') => { authorization: string };
}

export async function intakeApi(t: TestDb, temporal: Client, taskQueue: string): Promise<IntakeApi> {
  // Inbound mail from this host (inject's 127.0.0.1) counts as from a trusted relay; test/inbound.trust.test.ts covers the rest.
  const config = loadConfig({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'leadflow-intake-')), TASK_QUEUE: taskQueue, LINK_SIGNING_SECRET: 's'.repeat(40), API_RATE_LIMIT_PER_MINUTE: '100000', INBOUND_TRUSTED_RELAYS: '127.0.0.1' });
  const api = await buildApi({ db: t.db, temporal, config }, [linksPlugin, createIntakePlugin({ verifier: createEmailVerifier({ resolver: fakeResolver }) })]);
  const keys = { intake: (await createApiKey(t.db, 'web forms', ['intake'])).key, admin: (await createApiKey(t.db, 'ops', ['admin'])).key };
  return { api, config, keys, auth: (k) => ({ authorization: `Bearer ${keys[k]}` }) };
}

export const validLead = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  email: 'Ola.Nowak@Acme.test',
  firstName: 'Ola',
  lastName: 'Nowak',
  company: 'Acme',
  companySize: 120,
  jobTitle: 'Head of Marketing',
  industry: 'software',
  phone: '+48 22 123 45 67',
  website: 'https://acme.test',
  country: 'pl',
  locale: 'pl',
  timezone: 'Europe/Warsaw',
  source: { channel: 'web_form', utm: { source: 'google', medium: 'cpc', campaign: 'spring' } },
  consent: { status: 'confirmed', textVersion: 'tos-2026-01' },
  ...over,
});
