// A real SMTP server on 127.0.0.1 (smtp-server) for the email tests and the email benchmark: it keeps
// the raw bytes of every mail it accepts and can answer the next N mails with an SMTP error code.
// Parsing is left to the caller (mailparser), so the benchmark's receiver costs next to nothing.
import { SMTPServer } from 'smtp-server';
import type { EmailConfig } from '../activities/email/send';

export interface TestSmtp {
  port: number;
  /** Raw RFC 5322 messages in arrival order. */
  received: Buffer[];
  /** Runs `check` when a mail has arrived, before the server answers (null: no more). */
  beforeAccept(check: (() => Promise<void>) | null): void;
  /** Answer the next `count` DATA commands with `code` (421 temporary, 550 permanent, ...). */
  failNext(code: number, count?: number): void;
  /** Resolves when at least `count` mails have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<Buffer[]>;
  clear(): void;
  stop(): Promise<void>;
}

export async function startTestSmtp(opts: { keep?: boolean } = {}): Promise<TestSmtp> {
  const keep = opts.keep ?? true;
  const received: Buffer[] = [];
  const failures: number[] = [];
  let waiters: (() => void)[] = [];
  let check: (() => Promise<void>) | null = null;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => keep && chunks.push(c));
      stream.on('end', async () => {
        if (check) await check().catch((e: Error) => console.error(e));
        const code = failures.shift();
        if (code) return callback(Object.assign(new Error(code >= 500 ? 'Mailbox unavailable' : 'Try again later'), { responseCode: code }));
        if (keep) received.push(Buffer.concat(chunks));
        const w = waiters;
        waiters = [];
        w.forEach((f) => f());
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    received,
    beforeAccept(f) {
      check = f;
    },
    failNext(code, count = 1) {
      for (let i = 0; i < count; i++) failures.push(code);
    },
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} mails, got ${received.length}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return received.slice(0, count);
    },
    clear() {
      received.length = 0;
      failures.length = 0;
    },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The email tests' sender settings: Acme in Warsaw, quiet hours 20-08, at most 3 mails a week, SMTP on 127.0.0.1:`port`. */
export const testEmailConfig = (port: number, over: { smtp?: Partial<EmailConfig['smtp']>; linkSecret?: string } = {}): EmailConfig => ({
  smtp: { host: '127.0.0.1', port, secure: false, pool: true, ...over.smtp },
  from: 'Acme <hello@acme.test>',
  companyName: 'Acme',
  companyAddress: '1 Main St, Warsaw',
  publicBaseUrl: 'https://leads.acme.test',
  siteUrl: 'https://www.acme.test',
  linkSecret: over.linkSecret ?? 'l'.repeat(40),
  quietHours: { start: '20:00', end: '08:00' },
  cap: { max: 3, days: 7 },
});
