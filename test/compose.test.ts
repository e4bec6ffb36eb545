// docker-compose.yml can't be started here (no Docker engine), so it is checked structurally: every
// reference resolves, the app's environment passes the app's own config validation, and the search
// attributes it registers are exactly the ones the workflow upserts.
import { execFileSync } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import path from 'path';
import { parse } from 'yaml';
import { loadConfig } from '../worker/config';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  depends_on?: Record<string, { condition: string }> | string[];
  environment?: Record<string, string>;
  ports?: string[];
  command?: string[] | string;
}
const root = path.join(__dirname, '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

test('the deployment has Temporal on PostgreSQL, its UI, PostgreSQL, Mailpit, migrations and leadflow', () => {
  expect(Object.keys(services).sort()).toEqual(['leadflow', 'mailpit', 'migrate', 'postgresql', 'temporal', 'temporal-search-attributes', 'temporal-ui']);
  expect(services.temporal.environment?.DB).toMatch(/^postgres/);
  for (const [name, s] of Object.entries(services)) {
    expect([name, Boolean(s.image) !== Boolean(s.build)]).toEqual([name, true]);
    if (s.build) expect(existsSync(path.join(root, s.build.context, s.build.dockerfile))).toBe(true);
    const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
    for (const d of deps) expect([name, d, d in services]).toEqual([name, d, true]);
  }
  const hostPorts = Object.values(services).flatMap((s) => (s.ports ?? []).map((p) => p.split(':')[0]));
  expect(new Set(hostPorts).size).toBe(hostPorts.length);
});

test("leadflow's environment passes the app's own config validation", () => {
  const env = Object.fromEntries(
    Object.entries(services.leadflow.environment ?? {}).map(([k, v]) => [k, String(v).replace(/\$\{(\w+)(?::[-?]([^}]*))?\}/g, (_m, n: string, d?: string) => (n === 'LINK_SIGNING_SECRET' ? 's'.repeat(40) : d ?? ''))]),
  );
  const c = loadConfig(env);
  expect(c.DATABASE_URL).toMatch(/^postgresql:\/\/.+@postgresql:5432\//);
  expect(c.TEMPORAL_ADDRESS).toBe('temporal:7233');
  expect(c.SMTP_HOST).toBe('mailpit');
  expect(c.SINK_ENABLED).toBe(false);
});

test('the search attributes registered are exactly the ones the workflow upserts', () => {
  const cmd = [services['temporal-search-attributes'].command].flat().join(' ');
  const registered = Object.fromEntries([...cmd.matchAll(/--name (\w+) --type (\w+)/g)].map((m) => [m[1], m[2]]));
  expect(registered).toEqual(SEARCH_ATTRIBUTES);
});

test('docker compose config accepts the file (where a compose client is installed)', () => {
  let has = true;
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'pipe' });
  } catch {
    has = false;
  }
  if (!has) {
    console.warn('docker compose client not installed: structural checks only');
    return;
  }
  execFileSync('docker', ['compose', '-f', path.join(root, 'docker-compose.yml'), 'config', '-q'], { env: { ...process.env, LINK_SIGNING_SECRET: 's'.repeat(40) }, stdio: 'pipe' });
});
