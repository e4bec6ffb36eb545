// Configuration is validated once at start: one message naming every bad variable.
import { ConfigError, frequencyCap, loadConfig, quietHours } from '../worker/config';

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
