// One process's life: what it started is stopped in reverse order on SIGINT / SIGTERM or a failure,
// within a hard deadline (children it spawned are killed then), so a supervisor's stop (docker stop,
// systemd, Ctrl-C, `kill` to `npm start`) never leaves a dev server or a worker behind.
import type { ChildProcess } from 'child_process';

export interface Lifecycle {
  /** Runs at shutdown, in reverse order of registration. */
  defer(stop: () => unknown): void;
  /** A child process killed with SIGKILL if the graceful stops overrun the deadline. */
  child(process: ChildProcess): void;
  /** Stops everything, then exits with `code`. */
  exit(code: number): Promise<void>;
}

/** Docker's and npm's default stop waits 10 s before SIGKILL; everything must be gone before that. */
export const SHUTDOWN_DEADLINE_MS = 8_000;

export function processLifecycle(deadlineMs = SHUTDOWN_DEADLINE_MS): Lifecycle {
  const stops: (() => unknown)[] = [];
  const children: ChildProcess[] = [];
  let exiting: Promise<void> | undefined;
  const killChildren = (): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  const exit = (code: number): Promise<void> =>
    (exiting ??= (async () => {
      setTimeout(() => {
        console.error(`shutdown took longer than ${deadlineMs / 1000} s: killing what is left`);
        killChildren();
        process.exit(code || 1);
      }, deadlineMs).unref();
      for (const stop of stops.reverse()) {
        try {
          await stop();
        } catch (e) {
          console.error(e);
        }
      }
      killChildren();
      process.exit(code);
    })());
  const onSignal = (signal: NodeJS.Signals): void => {
    if (exiting) return; // a second Ctrl-C while stopping: the deadline still holds
    console.log(`\n${signal}: shutting down...`);
    void exit(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { defer: (stop) => void stops.push(stop), child: (c) => void children.push(c), exit };
}
