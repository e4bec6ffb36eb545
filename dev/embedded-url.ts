// Where the embedded PostgreSQL (dev/embedded-postgres.ts) answers: the default DATABASE_URL.
// Kept apart from the cluster's code, which the Prisma CLI's config loader need not read.
// Local-only credentials of a cluster that listens on 127.0.0.1.
export const USER = 'leadflow';
export const PASSWORD = 'leadflow';

/** Not PostgreSQL's usual 5432, which a system PostgreSQL may hold. */
export const DEFAULT_EMBEDDED_PORT = 5433;

/** URL of `database` on the embedded cluster listening on `port`. */
export const embeddedUrl = (port: number, database: string): string => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
