// The product's SMTP sink (dev/smtp-sink.ts) in a process of its own, so parsing every mail does
// not compete with the worker's event loop. The parent keeps the tally by Message-ID (the ledger
// derives it from the send key), so a duplicate send shows up, and the tally survives stopping the
// sink and starting it again on the same port (the chaos suite's "SMTP down" period).
import { fork, type ChildProcess } from 'child_process';
import { startSmtpSink } from '../dev/smtp-sink';

interface Batch {
  port?: number;
  mails?: { messageId: string | null; to: string[]; subject: string; receivedAt: string }[];
}

export interface SinkTally {
  port: number;
  /** The sink process now (changes on start()). */
  readonly pid: number | undefined;
  /** Mails received, duplicates included. */
  count(): number;
  /** Distinct Message-IDs received. */
  distinct(): number;
  /** Distinct Message-IDs received per recipient. */
  byRecipient(): Map<string, number>;
  /** When the sink received each recipient's first mail (ms since the epoch, the sink's clock). */
  firstArrival(): Map<string, number>;
  /** Message-IDs received more than once. */
  duplicates(): string[];
  waitFor(count: number, timeoutMs: number): Promise<void>;
  /** Stops the SMTP listener (connections refused until start()). */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function spawnSink(): Promise<SinkTally> {
  const ids = new Map<string, number>();
  const recipients = new Map<string, number>();
  const arrivals = new Map<string, number>();
  let total = 0;
  let waiters: (() => void)[] = [];
  let child: ChildProcess | undefined;
  let port = 0;

  const start = async (): Promise<void> => {
    const c = fork(__filename, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_SINK_PORT: String(port) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child = c;
    await new Promise<void>((resolve, reject) => {
      c.once('exit', (code) => reject(new Error(`sink process exited (${code})`)));
      c.on('message', (m: Batch) => {
        if (m.port) {
          port = m.port;
          resolve();
        }
        for (const mail of m.mails ?? []) {
          total += 1;
          const id = mail.messageId ?? `none-${total}`;
          ids.set(id, (ids.get(id) ?? 0) + 1);
          if (ids.get(id) === 1) for (const to of mail.to) recipients.set(to, (recipients.get(to) ?? 0) + 1);
          for (const to of mail.to) if (!arrivals.has(to)) arrivals.set(to, Date.parse(mail.receivedAt));
        }
        if (m.mails?.length) waiters.splice(0).forEach((w) => w());
      });
    });
  };
  const stop = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((r) => {
      c.removeAllListeners('exit');
      c.once('exit', () => r());
      c.send('stop');
    });
    child = undefined;
  };
  await start();
  return {
    port,
    get pid() {
      return child?.pid;
    },
    count: () => total,
    distinct: () => ids.size,
    byRecipient: () => new Map(recipients),
    firstArrival: () => new Map(arrivals),
    duplicates: () => [...ids].filter(([, n]) => n > 1).map(([id]) => id),
    async waitFor(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (total < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`smtp sink: expected ${count} mails, got ${total}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, Math.min(left, 1000));
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
      waiters = waiters.filter(Boolean);
    },
    stop,
    start,
  };
}

if (require.main === module) {
  void startSmtpSink({ port: Number(process.env.BENCH_SINK_PORT ?? 0) }).then((sink) => {
    const flush = (then?: () => void): void => {
      const mails = sink.mails();
      sink.clear(); // the parent keeps the tally; the sink would otherwise hold every mail in memory
      if (mails.length) process.send?.({ mails: mails.map((m) => ({ messageId: m.messageId, to: m.to, subject: m.subject, receivedAt: m.receivedAt })) } satisfies Batch, undefined, undefined, then);
      else then?.();
    };
    const timer = setInterval(() => flush(), 100);
    // "Down" is abrupt, like a crashed server: connections drop, a mail not yet answered 250 is not
    // kept (its sender retries). Every mail answered 250 reaches the tally before the exit: the exit
    // happens in the same tick as the check that nothing is left.
    const drainAndExit = (): void => {
      if (sink.mails().length) flush(drainAndExit);
      else process.exit(0);
    };
    process.on('message', (m) => {
      if (m !== 'stop') return;
      clearInterval(timer);
      flush(drainAndExit);
    });
    process.on('disconnect', () => process.exit(0));
    process.send?.({ port: sink.port } satisfies Batch);
  });
}
