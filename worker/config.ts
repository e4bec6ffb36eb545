// Process configuration from the environment, validated once at start with zod: a bad value stops
// the process with one message naming every bad variable.
import { randomBytes } from 'crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import path from 'path';
import { z } from 'zod';
import type { EmailConfig } from '../activities/email/send';

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
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, 'must start with file: (SQLite) or postgresql:// (PostgreSQL)')
    .optional(),
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
  SMTP_HOST: string;
  SMTP_PORT: number;
  LINK_SIGNING_SECRET: string;
  PUBLIC_BASE_URL: string;
  EMAIL_TASK_QUEUE: string;
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const missing = (['TEMPORAL_CLI_PATH', 'WORKFLOW_BUNDLE'] as const).filter((k) => c[k] && !existsSync(c[k]!));
  if (missing.length) throw new ConfigError(`Invalid configuration:\n${missing.map((k) => `  ${k}: no file at ${c[k]}`).join('\n')}`);
  const dataDir = path.resolve(c.DATA_DIR);
  return {
    ...c,
    DATA_DIR: dataDir,
    DATABASE_URL: c.DATABASE_URL ?? `file:${path.join(dataDir, 'leadflow.db')}`,
    SMTP_HOST: c.SMTP_HOST ?? '127.0.0.1',
    SMTP_PORT: c.SMTP_PORT ?? c.SINK_SMTP_PORT,
    LINK_SIGNING_SECRET: c.LINK_SIGNING_SECRET ?? devSecret(dataDir),
    PUBLIC_BASE_URL: c.PUBLIC_BASE_URL ?? `http://localhost:${c.API_PORT}`,
    // The workflow sends through `<its task queue>-email`; see workflows/lead/effects.ts.
    EMAIL_TASK_QUEUE: `${c.TASK_QUEUE}-email`,
  };
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
export function emailConfig(c: Config): EmailConfig {
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
