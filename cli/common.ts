// What every command-line tool here shares: exit codes (0 done, 1 findings, 2 bad input or
// configuration) and a configuration error printed as its message, not a stack.
import { ConfigError } from '../runtime/config';

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
      console.error(e instanceof ConfigError ? e.message : e);
      process.exit(2);
    },
  );
}
