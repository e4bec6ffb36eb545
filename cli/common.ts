// What every command-line tool here shares: exit codes (0 done, 1 findings, 2 bad input or
// configuration) and a configuration error printed as its message, not a stack.
import { DatabaseError, redactUrl } from '../domain/database';
import { ConfigError } from '../runtime/config';

// Connection failures as the pg driver (errno and SQLSTATE codes) and Prisma (P1xxx) report them.
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'does not answer',
  P1001: 'does not answer',
  ETIMEDOUT: 'does not answer in time',
  P1002: 'does not answer in time',
  EHOSTUNREACH: 'host unreachable',
  ECONNRESET: 'closed the connection',
  ENOTFOUND: 'host not found',
  '28P01': 'password authentication failed',
  P1000: 'authentication failed',
  '3D000': 'no such database',
  P1003: 'no such database',
};

/**
 * One line for a database the tool could not use (down, wrong host, wrong password, no such
 * database), or undefined for any other error. The URL is shown without its password.
 */
export function databaseProblem(e: unknown): string | undefined {
  if (e instanceof DatabaseError) return e.message;
  const code = (e as { code?: unknown } | null)?.code;
  const why = typeof code === 'string' ? UNREACHABLE[code] : undefined;
  if (!why) return undefined;
  const url = process.env.DATABASE_URL;
  return `database ${url ? redactUrl(url) : '(DATABASE_URL unset)'}: ${why} (${code}). Start the stack with \`npm start\`, or set DATABASE_URL.`;
}

/** The message a tool prints for an error it did not expect to handle itself: one line where it can. */
export function crashMessage(e: unknown): unknown {
  return e instanceof ConfigError ? e.message : databaseProblem(e) ?? e;
}

/** Prints the problem and the usage; exit code 2. */
export function usageError(problem: string, usage: string): number {
  console.error(`${problem}\n${usage}`);
  return 2;
}

/** Runs a tool's main and exits with its code (2 on a configuration error or crash). */
export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(crashMessage(e));
      process.exit(2);
    },
  );
}
