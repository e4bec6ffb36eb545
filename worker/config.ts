// Process configuration from the environment, validated once at start with zod: a bad value stops
// the process with one message naming every bad variable.
import { randomBytes } from 'crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import path from 'path';
import { z } from 'zod';
import type { EmailConfig } from '../activities/email/send';
import { DEFAULT_EMBEDDED_PORT, embeddedUrl } from './embedded-url';

const port = (fallback: number) => z.coerce.number().int().min(1, 'must be a port 1-65535').max(65535, 'must be a port 1-65535').default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => ['true', '1', 'yes'].includes(v));

const schema = z.object({
  DATA_DIR: z.string().min(1).default(path.join(__dirname, '..', '.data')),
  TEMPORAL_ADDRESS: z.string().regex(/^[\w.-]+:\d+$/, 'must be host:port').optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_CLI_PATH: z.string().optional(),
  TASK_QUEUE: z.string().min(1).default('leadflow'),
  // Unset: the embedded PostgreSQL in DATA_DIR/postgres, on EMBEDDED_POSTGRES_PORT.
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL (PostgreSQL)')
    .optional(),
  EMBEDDED_POSTGRES_PORT: port(DEFAULT_EMBEDDED_PORT),
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: port(3000),
  PUBLIC_BASE_URL: z.string().url('must be a URL like https://leads.example.com').optional(),
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive('must be > 0').default(600),
  SINK_ENABLED: bool(true),
  SINK_SMTP_PORT: port(2525),
  SMTP_HOST: z.string().min(1).optional(),
  // No default of its own: unset, mail goes to the local sink on SINK_SMTP_PORT.
  SMTP_PORT: z.coerce.number().int().min(1, 'must be a port 1-65535').max(65535, 'must be a port 1-65535').optional(),
  SMTP_SECURE: bool(false),
  SMTP_USER: z.string().optional(),
  SMTP_PASS: z.string().optional(),
  EMAIL_RATE_PER_SECOND: z.coerce.number().positive('must be > 0').default(50),
  MAIL_FROM: z.string().default('Leadflow <hello@leadflow.local>'),
  COMPANY_NAME: z.string().default('Leadflow Demo Ltd.'),
  SITE_URL: z.string().url('must be a URL like https://www.example.com').default('https://www.example.com'),
  COMPANY_ADDRESS: z.string().default('1 Example Street, 00-001 Warsaw, Poland'),
  LINK_SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  QUIET_HOURS: z
    .string()
    .regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, 'must look like 20:00-08:00')
    .default('20:00-08:00'),
  FREQUENCY_CAP: z
    .string()
    .regex(/^\d+\/\d+d$/, 'must look like 3/7d (mails per days)')
    .default('3/7d'),
  SEED_DEMO: bool(true),
  // A bundle made by scripts/build-workflows.ts (production); unset, the worker bundles workflows/ at start.
  WORKFLOW_BUNDLE: z.string().min(1).optional(),
  // Workflows kept in the worker's cache (a sleeping lead needs none); unset, the SDK sizes it from the heap.
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int('must be a whole number').min(0, 'must be >= 0').optional(),
});

export type Config = Omit<z.infer<typeof schema>, 'DATABASE_URL' | 'SMTP_HOST' | 'SMTP_PORT' | 'LINK_SIGNING_SECRET' | 'PUBLIC_BASE_URL'> & {
  DATABASE_URL: string;
  /** True when DATABASE_URL was not set: `npm start` runs the embedded PostgreSQL it names. */
  DATABASE_EMBEDDED: boolean;
  SMTP_HOST: string;
  SMTP_PORT: number;
  LINK_SIGNING_SECRET: string;
  PUBLIC_BASE_URL: string;
  EMAIL_TASK_QUEUE: string;
};

export class ConfigError extends Error {}

type Key = keyof z.infer<typeof schema>;
const nonEmpty = (env: NodeJS.ProcessEnv): Record<string, string> => Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
const fail = (lines: string[]): never => {
  throw new ConfigError(`Invalid configuration:\n${lines.map((l) => `  ${l}`).join('\n')}`);
};
const missingFiles = (c: Partial<Record<'TEMPORAL_CLI_PATH' | 'WORKFLOW_BUNDLE', string>>): string[] =>
  (['TEMPORAL_CLI_PATH', 'WORKFLOW_BUNDLE'] as const).filter((k) => c[k] && !existsSync(c[k]!)).map((k) => `${k}: no file at ${c[k]}`);
// The workflow sends through `<its task queue>-email`; see workflows/lead-lifecycle.ts.
const emailTaskQueue = (taskQueue: string): string => `${taskQueue}-email`;

/** Everything, with the embedded stack's defaults: `npm start` (dev server, SMTP sink, data folder). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(nonEmpty(env));
  if (!parsed.success) fail(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const c = parsed.data!;
  const missing = missingFiles(c);
  if (missing.length) fail(missing);
  const dataDir = path.resolve(c.DATA_DIR);
  return {
    ...c,
    DATA_DIR: dataDir,
    DATABASE_URL: c.DATABASE_URL ?? embeddedUrl(c.EMBEDDED_POSTGRES_PORT, 'leadflow'),
    DATABASE_EMBEDDED: !c.DATABASE_URL,
    SMTP_HOST: c.SMTP_HOST ?? '127.0.0.1',
    SMTP_PORT: c.SMTP_PORT ?? c.SINK_SMTP_PORT,
    LINK_SIGNING_SECRET: c.LINK_SIGNING_SECRET ?? devSecret(dataDir),
    PUBLIC_BASE_URL: c.PUBLIC_BASE_URL ?? `http://localhost:${c.API_PORT}`,
    EMAIL_TASK_QUEUE: emailTaskQueue(c.TASK_QUEUE),
  };
}

// ---- Roles (`leadflow api | worker | schedules`): each reads and checks only the variables it uses,
// with no embedded-stack defaults. Everything shared by several processes of a deployment must be
// given, not made up per process: a per-container link secret would make the API reject the links
// a worker put in a mail, a default localhost database or Temporal would be a different one per host.

const GROUPS = {
  temporal: ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TASK_QUEUE'],
  database: ['DATABASE_URL'],
  // Links in mails are made by the email worker and followed on the API.
  links: ['PUBLIC_BASE_URL', 'LINK_SIGNING_SECRET'],
  api: ['API_HOST', 'API_PORT', 'API_RATE_LIMIT_PER_MINUTE'],
  email: ['SMTP_HOST', 'SMTP_PORT', 'SMTP_SECURE', 'SMTP_USER', 'SMTP_PASS', 'EMAIL_RATE_PER_SECOND', 'MAIL_FROM', 'COMPANY_NAME', 'SITE_URL', 'COMPANY_ADDRESS', 'QUIET_HOURS', 'FREQUENCY_CAP'],
  worker: ['WORKFLOW_BUNDLE', 'WORKER_MAX_CACHED_WORKFLOWS'],
} as const satisfies Record<string, readonly Key[]>;
type Group = keyof typeof GROUPS;
type KeysOf<G extends Group> = (typeof GROUPS)[G][number];
/** Required in a role (no default can be right for a deployment). */
const REQUIRED: readonly Key[] = ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'PUBLIC_BASE_URL', 'LINK_SIGNING_SECRET', 'SMTP_HOST'];

export const WORKER_QUEUES = ['lead', 'email'] as const;
export type WorkerQueue = (typeof WORKER_QUEUES)[number];

export type TemporalConfig = Pick<Config, KeysOf<'temporal'>> & { TEMPORAL_ADDRESS: string };
/** What the HTTP API uses (buildApi and its plugins). */
export type ApiConfig = Pick<Config, KeysOf<'temporal' | 'database' | 'links' | 'api'>>;
/** What the mail activities use (emailConfig). */
export type EmailSettings = Pick<Config, KeysOf<'email' | 'links'>>;
/** What createWorkers uses. */
export type WorkersConfig = Pick<Config, KeysOf<'temporal' | 'worker'> | 'EMAIL_TASK_QUEUE' | 'EMAIL_RATE_PER_SECOND'>;

export type ApiRoleConfig = ApiConfig & TemporalConfig;
export type WorkerRoleConfig = WorkersConfig & TemporalConfig & Pick<Config, 'DATABASE_URL'> & { queues: WorkerQueue[]; email?: EmailSettings };

/** The variables of `groups`, checked; REQUIRED ones among them must be set. All problems in one error. */
function loadGroups(groups: readonly Group[], env: NodeJS.ProcessEnv): Record<string, unknown> {
  const keys = [...new Set(groups.flatMap((g) => GROUPS[g]))];
  const picked = schema.pick(Object.fromEntries(keys.map((k) => [k, true])) as Record<Key, true>);
  const given = nonEmpty(env);
  const parsed = picked.safeParse(given);
  const problems = parsed.success ? missingFiles(parsed.data) : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  for (const k of keys) if (REQUIRED.includes(k) && !(k in given)) problems.push(`${k}: required`);
  if (problems.length) fail(problems);
  return parsed.data!;
}

/** Where the local API listens: all `leadflow api --health` needs. */
export function loadApiAddress(env: NodeJS.ProcessEnv = process.env): Pick<Config, 'API_HOST' | 'API_PORT'> {
  return loadGroups(['api'], env) as Pick<Config, 'API_HOST' | 'API_PORT'>;
}

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiRoleConfig {
  return loadGroups(['temporal', 'database', 'links', 'api'], env) as ApiRoleConfig;
}

/** Only the Temporal connection: `leadflow schedules` and `leadflow search-attributes`. */
export function loadTemporalConfig(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  return loadGroups(['temporal'], env) as TemporalConfig;
}

/** A worker on `queues`: the mail settings are read and required only where the email queue is served. */
export function loadWorkerConfig(queues: readonly WorkerQueue[], env: NodeJS.ProcessEnv = process.env): WorkerRoleConfig {
  const withEmail = queues.includes('email');
  const c = loadGroups(['temporal', 'database', 'worker', ...(withEmail ? (['email', 'links'] as const) : [])], env) as Omit<WorkerRoleConfig, 'queues' | 'email' | 'EMAIL_TASK_QUEUE' | 'EMAIL_RATE_PER_SECOND'> &
    Partial<EmailSettings>;
  const queueConfig = { ...c, EMAIL_TASK_QUEUE: emailTaskQueue(c.TASK_QUEUE), EMAIL_RATE_PER_SECOND: c.EMAIL_RATE_PER_SECOND ?? schema.shape.EMAIL_RATE_PER_SECOND.parse(undefined) };
  if (!withEmail) return { ...queueConfig, queues: [...queues] };
  const secure = c.SMTP_SECURE ?? false;
  // Submission ports by convention: 465 with TLS from the start, 587 with STARTTLS.
  const email = { ...(c as EmailSettings), SMTP_PORT: c.SMTP_PORT ?? (secure ? 465 : 587) };
  return { ...queueConfig, queues: [...queues], email };
}

/** `lead,email` -> the queues; unknown names are a ConfigError naming them. */
export function parseQueues(list: string): WorkerQueue[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(WORKER_QUEUES as readonly string[]).includes(n));
  if (!names.length || bad.length) fail([`--queues: ${bad.length ? `unknown ${bad.join(', ')}; ` : ''}one or more of ${WORKER_QUEUES.join(', ')}, comma-separated`]);
  return [...new Set(names)] as WorkerQueue[];
}

/** A development signing secret, created once and kept in the data folder (set it in production). */
function devSecret(dataDir: string): string {
  const file = path.join(dataDir, 'link-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export function quietHours(c: Pick<Config, 'QUIET_HOURS'>): { start: string; end: string } {
  const [start, end] = c.QUIET_HOURS.split('-');
  return { start, end };
}

export function frequencyCap(c: Pick<Config, 'FREQUENCY_CAP'>): { max: number; days: number } {
  const [max, days] = c.FREQUENCY_CAP.replace('d', '').split('/').map(Number);
  return { max, days };
}

/** The email activities' settings from the process configuration (SMTP, sender, links, policy). */
export function emailConfig(c: EmailSettings): EmailConfig {
  return {
    smtp: { host: c.SMTP_HOST, port: c.SMTP_PORT, secure: c.SMTP_SECURE, ...(c.SMTP_USER ? { user: c.SMTP_USER, pass: c.SMTP_PASS ?? '' } : {}) },
    from: c.MAIL_FROM,
    companyName: c.COMPANY_NAME,
    companyAddress: c.COMPANY_ADDRESS,
    publicBaseUrl: c.PUBLIC_BASE_URL,
    siteUrl: c.SITE_URL,
    linkSecret: c.LINK_SIGNING_SECRET,
    quietHours: quietHours(c),
    cap: frequencyCap(c),
  };
}
