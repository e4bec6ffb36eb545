// Process configuration from the environment, validated once at start with zod: a bad value stops
// the process with one message naming every bad variable.
import { randomBytes } from 'crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { isIP } from 'net';
import path from 'path';
import { z } from 'zod';
import { parseLinkKeys, type LinkKeys } from '../domain/mail/links';
import type { EmailConfig } from '../activities/email/send';
import { DEFAULT_EMBEDDED_PORT, embeddedUrl } from '../dev/embedded-url';
import { DURATION_HINT, parseDuration } from '../workflows/duration';
import { emailTaskQueue } from '../workflows/task-queues';

const port = (fallback: number) => z.coerce.number().int().min(1, 'must be a port 1-65535').max(65535, 'must be a port 1-65535').default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => ['true', '1', 'yes'].includes(v));

const ipList = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .refine((ips) => ips.every((ip) => isIP(ip) !== 0), 'must be a comma-separated list of IP addresses');

// An address or a CIDR block (10.0.0.0/8, fd00::/8): the reverse proxies the API sits behind.
const isCidr = (s: string): boolean => {
  const [ip, bits, ...more] = s.split('/');
  const v = isIP(ip ?? '');
  if (!v || more.length) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (v === 4 ? 32 : 128));
};
const proxyList = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .refine((list) => list.every(isCidr), 'must be a comma-separated list of IP addresses or CIDR blocks (10.0.0.0/8)');

const schema = z.object({
  // production: no generated link secret, no unverified SMTP TLS.
  NODE_ENV: z.string().optional(),
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
  // The reverse proxies in front of the API: only their X-Forwarded-For names the client (per-address
  // limit, inbound relays); unset, the socket's address is the client and the header is ignored.
  API_TRUSTED_PROXIES: proxyList.optional(),
  // Per API key, after the key is known.
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive('must be > 0').default(600),
  // Per client address, before any key lookup (strangers with made-up keys count here).
  API_RATE_LIMIT_PER_IP_PER_MINUTE: z.coerce.number().int().positive('must be > 0').default(1200),
  // Per signed-link token (unsubscribe, open, click, confirm, survey), so a forwarded link cannot flood.
  LINK_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive('must be > 0').default(20),
  SINK_ENABLED: bool(true),
  SINK_SMTP_PORT: port(2525),
  SMTP_HOST: z.string().min(1).optional(),
  // No default of its own: unset, mail goes to the local sink on SINK_SMTP_PORT.
  SMTP_PORT: z.coerce.number().int().min(1, 'must be a port 1-65535').max(65535, 'must be a port 1-65535').optional(),
  SMTP_SECURE: bool(false),
  // Accept an SMTP server certificate that does not verify: only for a local development server.
  SMTP_TLS_INSECURE: bool(false),
  // A PEM file of the CA(s) that signed the SMTP server's certificate (a private CA), verified as usual.
  SMTP_TLS_CA_FILE: z.string().min(1).optional(),
  SMTP_USER: z.string().optional(),
  SMTP_PASS: z.string().optional(),
  EMAIL_RATE_PER_SECOND: z.coerce.number().positive('must be > 0').default(50),
  MAIL_FROM: z.string().default('Leadflow <hello@leadflow.local>'),
  COMPANY_NAME: z.string().default('Leadflow Demo Ltd.'),
  SITE_URL: z.string().url('must be a URL like https://www.example.com').default('https://www.example.com'),
  COMPANY_ADDRESS: z.string().default('1 Example Street, 00-001 Warsaw, Poland'),
  LINK_SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  // Several keys for rotation: "kid1:secret1,kid2:secret2", the first signs new links, all verify.
  LINK_SIGNING_KEYS: z.string().optional(),
  // Inbound mail (/inbound/mail): the authserv-id our receiving MTA writes in Authentication-Results,
  // and the relays whose From we trust as is. Anything else is stored unverified and does not score.
  INBOUND_AUTHSERV_ID: z.string().min(1).optional(),
  INBOUND_TRUSTED_RELAYS: ipList.optional(),
  QUIET_HOURS: z
    .string()
    .regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, 'must look like 20:00-08:00')
    .default('20:00-08:00'),
  // Mails per window: a count, "/", a duration ("3/7d", "2/48h", "5/2 weeks").
  FREQUENCY_CAP: z
    .string()
    .refine((v) => parseFrequencyCap(v) !== undefined, `must look like 3/7d: a count of mails, "/", and the window they are counted in (${DURATION_HINT})`)
    .default('3/7d'),
  SEED_DEMO: bool(true),
  // A bundle made by scripts/build-workflows.ts (production); unset, the worker bundles workflows/ at start.
  WORKFLOW_BUNDLE: z.string().min(1).optional(),
  // Workflows kept in the worker's cache (a sleeping lead needs none); unset, 100 MB worth (worker/worker.ts).
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int('must be a whole number').min(0, 'must be >= 0').optional(),
});

export type Config = Omit<z.infer<typeof schema>, 'DATABASE_URL' | 'SMTP_HOST' | 'SMTP_PORT' | 'LINK_SIGNING_SECRET' | 'LINK_SIGNING_KEYS' | 'PUBLIC_BASE_URL'> & {
  DATABASE_URL: string;
  /** True when DATABASE_URL was not set: `npm start` runs the embedded PostgreSQL it names. */
  DATABASE_EMBEDDED: boolean;
  SMTP_HOST: string;
  SMTP_PORT: number;
  /** The link signing keys: LINK_SIGNING_KEYS parsed, or LINK_SIGNING_SECRET (one key), or a development secret. */
  LINK_SIGNING_SECRET: LinkKeys;
  PUBLIC_BASE_URL: string;
  EMAIL_TASK_QUEUE: string;
};

export class ConfigError extends Error {}

type Key = keyof z.infer<typeof schema>;
const nonEmpty = (env: NodeJS.ProcessEnv): Record<string, string> => Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
const fail = (lines: string[]): never => {
  throw new ConfigError(`Invalid configuration:\n${lines.map((l) => `  ${l}`).join('\n')}`);
};
const missingFiles = (c: Partial<Record<'TEMPORAL_CLI_PATH' | 'WORKFLOW_BUNDLE' | 'SMTP_TLS_CA_FILE', string>>): string[] =>
  (['TEMPORAL_CLI_PATH', 'WORKFLOW_BUNDLE', 'SMTP_TLS_CA_FILE'] as const).filter((k) => c[k] && !existsSync(c[k]!)).map((k) => `${k}: no file at ${c[k]}`);

/**
 * The signing keys from LINK_SIGNING_KEYS or LINK_SIGNING_SECRET (undefined when neither is set), and
 * the production rules; problems are appended to `problems`.
 */
function linkKeysAndRules(c: Partial<Pick<z.infer<typeof schema>, 'NODE_ENV' | 'LINK_SIGNING_SECRET' | 'LINK_SIGNING_KEYS' | 'SMTP_TLS_INSECURE'>>, problems: string[]): LinkKeys | undefined {
  const production = c.NODE_ENV === 'production';
  let keys: LinkKeys | undefined = c.LINK_SIGNING_SECRET;
  if (c.LINK_SIGNING_KEYS !== undefined) {
    try {
      keys = parseLinkKeys(c.LINK_SIGNING_KEYS);
    } catch (e) {
      problems.push(`LINK_SIGNING_KEYS: ${(e as Error).message}`);
    }
    if (c.LINK_SIGNING_SECRET) problems.push('LINK_SIGNING_SECRET: set either LINK_SIGNING_SECRET or LINK_SIGNING_KEYS, not both (the secret is key k0: list it as k0:<secret>)');
  }
  // A generated secret in a container's data folder would change with the volume and break every link sent.
  if (production && !c.LINK_SIGNING_SECRET && !c.LINK_SIGNING_KEYS) problems.push('LINK_SIGNING_SECRET: required in production (NODE_ENV=production): set LINK_SIGNING_SECRET (32+ characters) or LINK_SIGNING_KEYS (kid:secret,...)');
  if (production && c.SMTP_TLS_INSECURE) problems.push('SMTP_TLS_INSECURE: not allowed in production (NODE_ENV=production): it turns off SMTP certificate checks; use SMTP_TLS_CA_FILE for a private CA');
  return keys;
}

/** Everything, with the embedded stack's defaults: `npm start` (dev server, SMTP sink, data folder). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(nonEmpty(env));
  if (!parsed.success) fail(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const c = parsed.data!;
  const problems = missingFiles(c);
  const keys = linkKeysAndRules(c, problems);
  if (problems.length) fail(problems);
  const dataDir = path.resolve(c.DATA_DIR);
  const { LINK_SIGNING_KEYS: _keys, ...rest } = c;
  return {
    ...rest,
    DATA_DIR: dataDir,
    DATABASE_URL: c.DATABASE_URL ?? embeddedUrl(c.EMBEDDED_POSTGRES_PORT, 'leadflow'),
    DATABASE_EMBEDDED: !c.DATABASE_URL,
    SMTP_HOST: c.SMTP_HOST ?? '127.0.0.1',
    SMTP_PORT: c.SMTP_PORT ?? c.SINK_SMTP_PORT,
    LINK_SIGNING_SECRET: keys ?? devSecret(dataDir),
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
  links: ['PUBLIC_BASE_URL', 'LINK_SIGNING_SECRET', 'LINK_SIGNING_KEYS'],
  api: ['API_HOST', 'API_PORT', 'API_TRUSTED_PROXIES', 'API_RATE_LIMIT_PER_MINUTE', 'API_RATE_LIMIT_PER_IP_PER_MINUTE', 'LINK_RATE_LIMIT_PER_MINUTE', 'INBOUND_AUTHSERV_ID', 'INBOUND_TRUSTED_RELAYS'],
  email: ['SMTP_HOST', 'SMTP_PORT', 'SMTP_SECURE', 'SMTP_TLS_INSECURE', 'SMTP_TLS_CA_FILE', 'SMTP_USER', 'SMTP_PASS', 'EMAIL_RATE_PER_SECOND', 'MAIL_FROM', 'COMPANY_NAME', 'SITE_URL', 'COMPANY_ADDRESS', 'QUIET_HOURS', 'FREQUENCY_CAP'],
  worker: ['WORKFLOW_BUNDLE', 'WORKER_MAX_CACHED_WORKFLOWS'],
} as const satisfies Record<string, readonly Key[]>;
type Group = keyof typeof GROUPS;
// LINK_SIGNING_KEYS is read into LINK_SIGNING_SECRET (the parsed keys).
type KeysOf<G extends Group> = Exclude<(typeof GROUPS)[G][number], 'LINK_SIGNING_KEYS'>;
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
  const keys: Key[] = [...new Set<Key>(['NODE_ENV', ...groups.flatMap((g) => GROUPS[g])])];
  const picked = schema.pick(Object.fromEntries(keys.map((k) => [k, true])) as Record<Key, true>);
  const given = nonEmpty(env);
  const parsed = picked.safeParse(given);
  const problems = parsed.success ? missingFiles(parsed.data) : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  // The signing keys come as one secret or as a key list: either satisfies the requirement.
  const isGiven = (k: Key): boolean => k in given || (k === 'LINK_SIGNING_SECRET' && 'LINK_SIGNING_KEYS' in given);
  for (const k of keys) if (REQUIRED.includes(k) && !isGiven(k)) problems.push(`${k}: required`);
  const data = (parsed.data ?? {}) as Record<string, unknown>;
  const linkKeys = parsed.success ? linkKeysAndRules(data as Parameters<typeof linkKeysAndRules>[0], problems) : undefined;
  if (problems.length) fail(problems);
  const { LINK_SIGNING_KEYS: _keys, ...rest } = data;
  return groups.includes('links') ? { ...rest, LINK_SIGNING_SECRET: linkKeys } : rest;
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

/** `leadflow schedules`: Temporal, and the database the published offers are read from. */
export function loadSchedulesConfig(env: NodeJS.ProcessEnv = process.env): TemporalConfig & Pick<Config, 'DATABASE_URL'> {
  return loadGroups(['temporal', 'database'], env) as TemporalConfig & Pick<Config, 'DATABASE_URL'>;
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

const DAY_MS = 86_400_000;

/** "3/7d" -> 3 mails per 7 days (the window in days, fractions for windows in hours). */
function parseFrequencyCap(text: string): { max: number; days: number } | undefined {
  const m = /^\s*(\d+)\s*\/\s*(.+)$/.exec(text);
  const windowMs = m ? parseDuration(m[2]) : undefined;
  return m && windowMs !== undefined && Number(m[1]) > 0 ? { max: Number(m[1]), days: windowMs / DAY_MS } : undefined;
}

export function frequencyCap(c: Pick<Config, 'FREQUENCY_CAP'>): { max: number; days: number } {
  return parseFrequencyCap(c.FREQUENCY_CAP)!;
}

/** The email activities' settings from the process configuration (SMTP, sender, links, policy). */
export function emailConfig(c: EmailSettings): EmailConfig {
  return {
    smtp: { host: c.SMTP_HOST, port: c.SMTP_PORT, secure: c.SMTP_SECURE, tlsInsecure: c.SMTP_TLS_INSECURE, ...(c.SMTP_TLS_CA_FILE ? { ca: readFileSync(c.SMTP_TLS_CA_FILE, 'utf8') } : {}), ...(c.SMTP_USER ? { user: c.SMTP_USER, pass: c.SMTP_PASS ?? '' } : {}) },
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
