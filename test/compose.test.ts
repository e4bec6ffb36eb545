// docker-compose.yml and the image, checked without a Docker engine: the compose file (after the
// variable interpolation compose does) against the Compose Specification's JSON schema (vendored in
// test/fixtures/compose-spec, validated with ajv), the deployment's shape, every app service's
// environment against the role's own config validation, and the Dockerfile's stages.
import Ajv from 'ajv';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json';
import { readFileSync } from 'fs';
import path from 'path';
import { parse } from 'yaml';
import { loadApiConfig, loadTemporalConfig, loadWorkerConfig, WORKER_QUEUES } from '../runtime/config';
import { USAGE } from '../cli/leadflow';

const root = path.join(__dirname, '..');
const raw = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const schema = JSON.parse(readFileSync(path.join(__dirname, 'fixtures/compose-spec/compose-spec.json'), 'utf8')) as object;

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{(\w+)(?:(:?)([-?])([^}]*))?\}/g, (m, name: string | undefined, colon: string, op: string, arg: string) => {
    if (m === '$$') return '$';
    const v = env[name!];
    const unset = v === undefined || (colon === ':' && v === '');
    if (!op) return v ?? '';
    if (op === '-') return unset ? arg : v!;
    if (unset) throw new Error(`required variable ${name} is missing a value: ${arg}`);
    return v!;
  });
}

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  deploy?: { replicas?: number };
  healthcheck?: { test?: string[]; disable?: boolean };
}
const secrets = { POSTGRES_PASSWORD: 'a1b2c3d4e5f6', LINK_SIGNING_SECRET: 's'.repeat(64), SUPPRESSION_SECRET: 'h'.repeat(64), PUBLIC_BASE_URL: 'https://leads.example.com' };
const load = (env: Record<string, string>): { services: Record<string, Service>; [k: string]: unknown } => parse(interpolate(raw, env), { merge: true });
const compose = load(secrets);
const services = compose.services;
const ajv = new Ajv({ allErrors: true, strict: false });
// The schema names its draft by the https address; ajv knows draft-07's meta-schema by the http one.
ajv.addMetaSchema({ ...draft07, $id: 'https://json-schema.org/draft-07/schema' });
const validate = ajv.compile(schema);

test('the file is valid against the Compose Specification schema', () => {
  const ok = validate(compose);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
});

test('the schema check is real: it rejects what compose rejects', () => {
  expect(validate({ services: { api: { image: 'x', deploy: { replicas: [2] } } } })).toBe(false);
  expect(validate({ services: { api: { image: 'x', depends_on: { db: { condition: 'sometimes' } } } } })).toBe(false);
  expect(validate({ services: { api: { image: 'x', restart_policy: 'always' } } })).toBe(false);
  expect(validate({ services: { api: { image: 'x', ports: [true] } } })).toBe(false);
});

test('no password or secret is in the file: each comes from the environment, and compose refuses to start without it', () => {
  for (const name of Object.keys(secrets)) {
    const without: Record<string, string> = { ...secrets };
    delete without[name];
    expect(() => load(without)).toThrow(`required variable ${name}`);
  }
  const unresolved = parse(raw, { merge: true }) as { services: Record<string, Service> };
  for (const [name, s] of Object.entries(unresolved.services)) {
    for (const [k, v] of Object.entries(s.environment ?? {})) {
      if (/PASS|PWD|SECRET|TOKEN/.test(k)) expect([name, k, String(v)]).toEqual([name, k, expect.stringMatching(/\$\{\w+(:[-?][^}]*)?\}/)]);
      if (k === 'DATABASE_URL') expect(String(v)).toContain('${POSTGRES_PASSWORD:?');
    }
  }
});

test('PostgreSQL, Temporal on it, its UI, Mailpit, set-up jobs, the API and two workers; Temporal not published', () => {
  expect(Object.keys(services).sort()).toEqual(['api', 'mailpit', 'migrate', 'postgresql', 'schedules', 'search-attributes', 'temporal', 'temporal-ui', 'worker']);
  expect(services.temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql', DBNAME: 'temporal', VISIBILITY_DBNAME: 'temporal_visibility' });
  expect(services.temporal.ports).toBeUndefined();
  const published = Object.values(services).flatMap((s) => s.ports ?? []);
  expect(published.some((p) => /(^|:)7233(:|$)/.test(p))).toBe(false);
  expect(services.worker.deploy?.replicas).toBe(2);
  for (const [name, s] of Object.entries(services)) {
    expect([name, Boolean(s.image || s.build)]).toEqual([name, true]);
    for (const d of Object.keys(s.depends_on ?? {})) expect([name, d, d in services]).toEqual([name, d, true]);
  }
  // The app starts only after its database is migrated and Temporal has the search attributes.
  for (const s of [services.api, services.worker]) {
    expect(s.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    expect(s.depends_on?.['search-attributes']?.condition).toBe('service_completed_successfully');
  }
});

test('every app service runs a leadflow role that exists, and health checks use the role`s own check', () => {
  const roles = new Set([...USAGE.matchAll(/^ {2}([a-z-]+)\b/gm)].map((m) => m[1]));
  const app = Object.entries(services).filter(([, s]) => s.build);
  expect(app.map(([n]) => n).sort()).toEqual(['api', 'migrate', 'schedules', 'search-attributes', 'worker']);
  for (const [name, s] of app) {
    const cmd = s.command?.[0] ?? '';
    expect([name, cmd === 'migrate' || roles.has(cmd)]).toEqual([name, true]);
  }
  expect(services.api.healthcheck?.test).toEqual(['CMD', 'leadflow', 'api', '--health']);
  expect(services.worker.healthcheck?.test).toEqual(['CMD', 'leadflow', 'worker', '--health']);
});

test("each app service's environment passes its role's config validation", () => {
  const env = (name: string): Record<string, string> => Object.fromEntries(Object.entries(services[name].environment ?? {}).map(([k, v]) => [k, String(v)]));
  const api = loadApiConfig(env('api'));
  expect(api).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', API_HOST: '0.0.0.0', API_PORT: 3000, PUBLIC_BASE_URL: 'https://leads.example.com' });
  expect(api.DATABASE_URL).toBe('postgresql://leadflow:a1b2c3d4e5f6@postgresql:5432/leadflow');
  const worker = loadWorkerConfig([...WORKER_QUEUES], env('worker'));
  expect(worker.email).toMatchObject({ SMTP_HOST: 'mailpit', SMTP_PORT: 1025, LINK_SIGNING_SECRET: api.LINK_SIGNING_SECRET });
  expect(worker.DATABASE_URL).toBe(api.DATABASE_URL);
  expect(loadTemporalConfig(env('schedules')).TASK_QUEUE).toBe(worker.TASK_QUEUE);
  expect(loadTemporalConfig(env('search-attributes')).TEMPORAL_NAMESPACE).toBe(worker.TEMPORAL_NAMESPACE);
  expect(env('migrate').DATABASE_URL).toBe(api.DATABASE_URL);
});

test('the image: multi-stage, npm ci, run-time dependencies only, compiled code, non-root, health check', () => {
  const dockerfile = readFileSync(path.join(root, 'worker/Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  expect(stages.length).toBeGreaterThanOrEqual(2);
  const final = stages[stages.length - 1];
  expect(dockerfile).toMatch(/^RUN npm ci\b/m);
  // The final stage's node_modules come from a stage that installed with --omit=dev.
  const from = /COPY --from=(\S+) \/app\/node_modules/.exec(final)?.[1];
  expect(from).toBeDefined();
  const depsStage = stages.find((s) => new RegExp(`AS ${from}\\b`).test(s.split('\n')[0]))!;
  expect(depsStage).toMatch(/npm ci --omit=dev/);
  expect(final).toMatch(/^USER (?!root\b|0\b)\S+/m);
  expect(final).toMatch(/^HEALTHCHECK .*leadflow", "api", "--health"/m);
  expect(final).not.toMatch(/tsx|ts-node|webpack/);
  const entry = readFileSync(path.join(root, 'worker/docker-entrypoint.sh'), 'utf8');
  expect(entry).toMatch(/exec node dist\/cli\/leadflow\.js "\$@"/);
  expect(entry).not.toMatch(/tsx/);
});
