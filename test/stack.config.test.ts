// Configuration is validated once at start: one message naming every bad variable.
import { ConfigError, frequencyCap, loadApiConfig, loadConfig, loadTemporalConfig, loadWorkerConfig, parseQueues, quietHours } from '../runtime/config';

test('defaults give the embedded stack', () => {
  const c = loadConfig({ DATA_DIR: '/tmp/leadflow-config-test' });
  expect(c).toMatchObject({
    TEMPORAL_PORT: 7233,
    TEMPORAL_UI_PORT: 8233,
    API_PORT: 3000,
    SINK_SMTP_PORT: 2525,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: 2525,
    DATABASE_URL: 'postgresql://leadflow:leadflow@127.0.0.1:5433/leadflow',
    DATABASE_EMBEDDED: true,
    TASK_QUEUE: 'leadflow',
    EMAIL_TASK_QUEUE: 'leadflow-email',
  });
  expect(c.LINK_SIGNING_SECRET).toHaveLength(64);
  expect(loadConfig({ DATA_DIR: '/tmp/leadflow-config-test' }).LINK_SIGNING_SECRET).toBe(c.LINK_SIGNING_SECRET);
  expect(quietHours(c)).toEqual({ start: '20:00', end: '08:00' });
  expect(frequencyCap(c)).toEqual({ max: 3, days: 7 });
});

test('mail goes to the sink on SINK_SMTP_PORT unless SMTP_PORT says otherwise', () => {
  expect(loadConfig({ DATA_DIR: '/tmp/leadflow-config-test', SINK_SMTP_PORT: '2626' }).SMTP_PORT).toBe(2626);
  expect(loadConfig({ DATA_DIR: '/tmp/leadflow-config-test', SINK_SMTP_PORT: '2626', SMTP_PORT: '587' }).SMTP_PORT).toBe(587);
});

test('a pre-built workflow bundle and the cache size are checked at start', () => {
  expect(() => loadConfig({ DATA_DIR: '/tmp/leadflow-config-test', WORKER_MAX_CACHED_WORKFLOWS: '-1' })).toThrow('WORKER_MAX_CACHED_WORKFLOWS: must be >= 0');
  expect(() => loadConfig({ DATA_DIR: '/tmp/leadflow-config-test', WORKFLOW_BUNDLE: '/nowhere/bundle.js' })).toThrow('WORKFLOW_BUNDLE: no file at /nowhere/bundle.js');
  expect(() => loadConfig({ DATA_DIR: '/tmp/leadflow-config-test', WORKER_MAX_CACHED_WORKFLOWS: 'many' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS: /);
  expect(loadConfig({ DATA_DIR: '/tmp/leadflow-config-test', WORKER_MAX_CACHED_WORKFLOWS: '200' }).WORKER_MAX_CACHED_WORKFLOWS).toBe(200);
});

test('bad values fail with one message that names each field', () => {
  let err: unknown;
  try {
    loadConfig({ API_PORT: '70000', DATABASE_URL: 'file:/tmp/leadflow.db', SMTP_SECURE: 'maybe', TEMPORAL_ADDRESS: 'nohost', QUIET_HOURS: '8pm' });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const msg = (err as Error).message;
  expect(msg).toMatch(/^Invalid configuration:/);
  expect(msg).toContain('API_PORT: must be a port 1-65535');
  expect(msg).toContain('DATABASE_URL: must be a postgresql:// URL (PostgreSQL)');
  expect(msg).toContain('SMTP_SECURE: must be true or false');
  expect(msg).toContain('TEMPORAL_ADDRESS: must be host:port');
  expect(msg).toContain('QUIET_HOURS: must look like 20:00-08:00');
});

test('a postgres URL and an external Temporal are accepted as given', () => {
  const c = loadConfig({ DATABASE_URL: 'postgresql://u:p@db:5432/leadflow', TEMPORAL_ADDRESS: 'temporal:7233', LINK_SIGNING_SECRET: 's'.repeat(32) });
  expect(c.DATABASE_URL).toBe('postgresql://u:p@db:5432/leadflow');
  expect(c.DATABASE_EMBEDDED).toBe(false);
  expect(c.TEMPORAL_ADDRESS).toBe('temporal:7233');
});

describe('roles read only their own variables, with nothing made up for a deployment', () => {
  const temporal = { TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: 'postgresql://u:p@db:5432/leadflow' };
  const links = { PUBLIC_BASE_URL: 'https://leads.example.com', LINK_SIGNING_SECRET: 's'.repeat(32), SUPPRESSION_SECRET: 'h'.repeat(32) };

  test('a lead-queue worker needs no mail settings; an email worker needs them, with the submission port by default', () => {
    const lead = loadWorkerConfig(['lead'], { ...temporal, SMTP_PORT: 'bad', API_PORT: 'bad' });
    expect(lead).toMatchObject({ queues: ['lead'], TASK_QUEUE: 'leadflow', EMAIL_TASK_QUEUE: 'leadflow-email' });
    expect(lead.email).toBeUndefined();
    expect(() => loadWorkerConfig(['lead', 'email'], temporal)).toThrow(/SMTP_HOST: required[\s\S]*LINK_SIGNING_SECRET: required/);
    expect(loadWorkerConfig(['email'], { ...temporal, ...links, SMTP_HOST: 'smtp.example.com' }).email?.SMTP_PORT).toBe(587);
    expect(loadWorkerConfig(['email'], { ...temporal, ...links, SMTP_HOST: 'smtp.example.com', SMTP_SECURE: 'true' }).email?.SMTP_PORT).toBe(465);
  });

  test('the API ignores worker and mail variables, and bad values of its own are named', () => {
    expect(loadApiConfig({ ...temporal, ...links, SMTP_PORT: 'bad', WORKER_MAX_CACHED_WORKFLOWS: '-1' })).toMatchObject({ API_HOST: '127.0.0.1', API_PORT: 3000 });
    expect(() => loadApiConfig({ ...temporal, ...links, API_PORT: '0' })).toThrow('API_PORT: must be a port 1-65535');
    expect(() => loadApiConfig({ ...links, DATABASE_URL: temporal.DATABASE_URL })).toThrow('TEMPORAL_ADDRESS: required');
  });

  test('schedules and search attributes need only the Temporal connection', () => {
    expect(loadTemporalConfig({ TEMPORAL_ADDRESS: 'temporal:7233' })).toMatchObject({ TEMPORAL_NAMESPACE: 'default', TASK_QUEUE: 'leadflow' });
    expect(() => loadTemporalConfig({})).toThrow('TEMPORAL_ADDRESS: required');
  });

  test('--queues takes lead and email only', () => {
    expect(parseQueues('email, lead,email')).toEqual(['email', 'lead']);
    expect(() => parseQueues('')).toThrow('--queues:');
    expect(() => parseQueues('lead,sms')).toThrow('--queues: unknown sms');
  });
});
