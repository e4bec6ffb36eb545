// Process configuration from the environment, validated once at start with zod: a bad value stops
// the process with one message naming every bad variable.
import { randomBytes } from 'crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { isIP } from 'net';
import path from 'path';
import { z } from 'zod';
import { parseKeyList, type KeyList } from '../domain/keys';
import type { LinkKeys } from '../domain/mail/links';
import { SUPPRESSION_LEGACY_KID } from '../domain/mail/email-hash';
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
  // The key of the address hashes in Suppression (HMAC): a server secret, never in the database, so
  // a dump of the database names no one. Shared by the API and the email workers. Rotation as above:
  // "kid1:secret1,kid2:secret2", the first hashes new rows, all are looked up (and re-keyed on a hit).
  SUPPRESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SUPPRESSION_KEYS: z.string().optional(),
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

export type Config = Omit<z.infer<typeof schema>, 'DATABASE_URL' | 'SMTP_HOST' | 'SMTP_PORT' | 'LINK_SIGNING_SECRET' | 'LINK_SIGNING_KEYS' | 'SUPPRESSION_SECRET' | 'SUPPRESSION_KEYS' | 'PUBLIC_BASE_URL'> & {
  DATABASE_URL: string;
  /** True when DATABASE_URL was not set: `npm start` runs the embedded PostgreSQL it names. */
  DATABASE_EMBEDDED: boolean;
  SMTP_HOST: string;
  SMTP_PORT: number;
  /** The link signing keys: LINK_SIGNING_KEYS parsed, or LINK_SIGNING_SECRET (one key), or a development secret. */
  LINK_SIGNING_SECRET: LinkKeys;
  /** The suppression hash keys: SUPPRESSION_KEYS parsed, or SUPPRESSION_SECRET (one key), or a development secret. */
  SUPPRESSION_SECRET: KeyList;
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

type Parsed = Partial<z.infer<typeof schema>>;

/** A rotating secret: one value (key id k0) or a kid:secret list, and the file of its development stand-in. */
const SECRETS = {
  link: { secret: 'LINK_SIGNING_SECRET', keys: 'LINK_SIGNING_KEYS', devFile: 'link-secret', reserved: [] as string[] },
  // `db`: the rows hashed under the database's PrivacyKey before the secret left the database.
  suppression: { secret: 'SUPPRESSION_SECRET', keys: 'SUPPRESSION_KEYS', devFile: 'suppression-secret', reserved: [SUPPRESSION_LEGACY_KID] },
} as const satisfies Record<string, { secret: Key; keys: Key; devFile: string; reserved: string[] }>;
type Secret = (typeof SECRETS)[keyof typeof SECRETS];

/**
 * The keys of one rotating secret (undefined when neither variable is set); problems, such as a
 * missing secret in production (unless the caller requires it anyway), are appended to `problems`.
 */
function secretKeys(c: Parsed, s: Secret, problems: string[], checkProduction = true): KeyList | undefined {
  let keys: KeyList | undefined = c[s.secret];
  const list = c[s.keys];
  if (list !== undefined) {
    try {
      keys = parseKeyList(list);
      const reserved = keys.find((k) => (s.reserved as readonly string[]).includes(k.kid));
      if (reserved) problems.push(`${s.keys}: key id ${reserved.kid} is reserved (it names the database's legacy key)`);
    } catch (e) {
      problems.push(`${s.keys}: ${(e as Error).message}`);
    }
    if (c[s.secret]) problems.push(`${s.secret}: set either ${s.secret} or ${s.keys}, not both (the secret is key k0: list it as k0:<secret>)`);
  }
  // A generated secret in a container's data folder would change with the volume: every link sent
  // would break, every suppressed address would be mailed again.
  if (checkProduction && c.NODE_ENV === 'production' && !c[s.secret] && list === undefined) problems.push(`${s.secret}: required in production (NODE_ENV=production): set ${s.secret} (32+ characters) or ${s.keys} (kid:secret,...)`);
  return keys;
}

function productionRules(c: Parsed, problems: string[]): void {
  if (c.NODE_ENV === 'production' && c.SMTP_TLS_INSECURE) problems.push('SMTP_TLS_INSECURE: not allowed in production (NODE_ENV=production): it turns off SMTP certificate checks; use SMTP_TLS_CA_FILE for a private CA');
}

/** Everything, with the embedded stack's defaults: `npm start` (dev server, SMTP sink, data folder). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(nonEmpty(env));
  if (!parsed.success) fail(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const c = parsed.data!;
  const problems = missingFiles(c);
  const linkKeys = secretKeys(c, SECRETS.link, problems);
  const suppressionKeys = secretKeys(c, SECRETS.suppression, problems);
  productionRules(c, problems);
  if (problems.length) fail(problems);
  const dataDir = path.resolve(c.DATA_DIR);
  const { LINK_SIGNING_KEYS: _keys, SUPPRESSION_KEYS: _skeys, ...rest } = c;
  return {
    ...rest,
    DATA_DIR: dataDir,
    DATABASE_URL: c.DATABASE_URL ?? embeddedUrl(c.EMBEDDED_POSTGRES_PORT, 'leadflow'),
    DATABASE_EMBEDDED: !c.DATABASE_URL,
    SMTP_HOST: c.SMTP_HOST ?? '127.0.0.1',
    SMTP_PORT: c.SMTP_PORT ?? c.SINK_SMTP_PORT,
    LINK_SIGNING_SECRET: linkKeys ?? devSecret(dataDir, SECRETS.link.devFile),
    SUPPRESSION_SECRET: suppressionKeys ?? devSecret(dataDir, SECRETS.suppression.devFile),
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
  // Suppression rows are written by the API (unsubscribe, survey, erase) and checked by the email workers.
  privacy: ['SUPPRESSION_SECRET', 'SUPPRESSION_KEYS'],
  api: ['API_HOST', 'API_PORT', 'API_TRUSTED_PROXIES', 'API_RATE_LIMIT_PER_MINUTE', 'API_RATE_LIMIT_PER_IP_PER_MINUTE', 'LINK_RATE_LIMIT_PER_MINUTE', 'INBOUND_AUTHSERV_ID', 'INBOUND_TRUSTED_RELAYS'],
  email: ['SMTP_HOST', 'SMTP_PORT', 'SMTP_SECURE', 'SMTP_TLS_INSECURE', 'SMTP_TLS_CA_FILE', 'SMTP_USER', 'SMTP_PASS', 'EMAIL_RATE_PER_SECOND', 'MAIL_FROM', 'COMPANY_NAME', 'SITE_URL', 'COMPANY_ADDRESS', 'QUIET_HOURS', 'FREQUENCY_CAP'],
  worker: ['WORKFLOW_BUNDLE', 'WORKER_MAX_CACHED_WORKFLOWS'],
} as const satisfies Record<string, readonly Key[]>;
type Group = keyof typeof GROUPS;
// LINK_SIGNING_KEYS is read into LINK_SIGNING_SECRET (the parsed keys), SUPPRESSION_KEYS into SUPPRESSION_SECRET.
type KeysOf<G extends Group> = Exclude<(typeof GROUPS)[G][number], 'LINK_SIGNING_KEYS' | 'SUPPRESSION_KEYS'>;
/** Required in a role (no default can be right for a deployment). */
const REQUIRED: readonly Key[] = ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'PUBLIC_BASE_URL', 'LINK_SIGNING_SECRET', 'SUPPRESSION_SECRET', 'SMTP_HOST'];

export const WORKER_QUEUES = ['lead', 'email'] as const;
export type WorkerQueue = (typeof WORKER_QUEUES)[number];

export type TemporalConfig = Pick<Config, KeysOf<'temporal'>> & { TEMPORAL_ADDRESS: string };
/** What the HTTP API uses (buildApi and its plugins). */
export type ApiConfig = Pick<Config, KeysOf<'temporal' | 'database' | 'links' | 'privacy' | 'api'>>;
/** What the mail activities use (emailConfig). */
export type EmailSettings = Pick<Config, KeysOf<'email' | 'links' | 'privacy'>>;
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
  // A rotating secret comes as one secret or as a key list: either satisfies the requirement.
  const isGiven = (k: Key): boolean => k in given || Object.values(SECRETS).some((s) => s.secret === k && s.keys in given);
  for (const k of keys) if (REQUIRED.includes(k) && !isGiven(k)) problems.push(`${k}: required`);
  const data = (parsed.data ?? {}) as Parsed;
  // REQUIRED already names a missing secret: no second line for production.
  const linkKeys = parsed.success && groups.includes('links') ? secretKeys(data, SECRETS.link, problems, false) : undefined;
  const suppressionKeys = parsed.success && groups.includes('privacy') ? secretKeys(data, SECRETS.suppression, problems, false) : undefined;
  if (parsed.success) productionRules(data, problems);
  if (problems.length) fail(problems);
  const { LINK_SIGNING_KEYS: _keys, SUPPRESSION_KEYS: _skeys, ...rest } = data;
  return { ...rest, ...(groups.includes('links') ? { LINK_SIGNING_SECRET: linkKeys } : {}), ...(groups.includes('privacy') ? { SUPPRESSION_SECRET: suppressionKeys } : {}) };
}

/** Where the local API listens: all `leadflow api --health` needs. */
export function loadApiAddress(env: NodeJS.ProcessEnv = process.env): Pick<Config, 'API_HOST' | 'API_PORT'> {
  return loadGroups(['api'], env) as Pick<Config, 'API_HOST' | 'API_PORT'>;
}

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiRoleConfig {
  return loadGroups(['temporal', 'database', 'links', 'privacy', 'api'], env) as ApiRoleConfig;
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
  const c = loadGroups(['temporal', 'database', 'worker', ...(withEmail ? (['email', 'links', 'privacy'] as const) : [])], env) as Omit<WorkerRoleConfig, 'queues' | 'email' | 'EMAIL_TASK_QUEUE' | 'EMAIL_RATE_PER_SECOND'> &
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

/** A development secret, created once and kept in the data folder's `name` (set it in production). */
function devSecret(dataDir: string, name: string): string {
  const file = path.join(dataDir, name);
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
