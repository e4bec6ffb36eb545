// A local SMTP server that keeps every mail it receives (as .eml + a JSON summary under
// DATA_DIR/mail) so a person can read what the engine sent. Tests use it as a real SMTP peer and
// can make it answer with an error code (421 temporary, 550 permanent) for the next N mails.
import { simpleParser, type AddressObject } from 'mailparser';
import { randomBytes } from 'crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import path from 'path';
import { SMTPServer } from 'smtp-server';

export interface SinkMail {
  id: string;
  receivedAt: string;
  from: string;
  to: string[];
  subject: string;
  messageId: string | null;
  headers: Record<string, string>;
  text: string;
  html: string;
}

export interface SmtpSink {
  port: number;
  /** A random secret for this run: opens the sink's pages (/mail?token=...) without an API key. */
  viewToken: string;
  mails(): SinkMail[];
  get(id: string): SinkMail | undefined;
  raw(id: string): Buffer | undefined;
  waitFor(count: number, timeoutMs?: number): Promise<SinkMail[]>;
  failNext(code: 421 | 450 | 550 | 554, count?: number): void;
  clear(): void;
  stop(): Promise<void>;
}

const addrs = (a: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address ?? '')).filter(Boolean);

export async function startSmtpSink(opts: { port: number; host?: string; dir?: string }): Promise<SmtpSink> {
  const store: SinkMail[] = [];
  const raws = new Map<string, Buffer>();
  const failures: number[] = [];
  if (opts.dir) {
    mkdirSync(opts.dir, { recursive: true });
    for (const f of readdirSync(opts.dir).filter((x) => x.endsWith('.json')).sort()) {
      store.push(JSON.parse(readFileSync(path.join(opts.dir, f), 'utf8')) as SinkMail);
    }
  }
  let seq = store.length;
  const waiters: (() => void)[] = [];

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 25 * 1024 * 1024,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const code = failures.shift();
        if (code) {
          const err = new Error(code >= 500 ? 'Mailbox unavailable (sink rejection)' : 'Try again later (sink deferral)') as Error & { responseCode: number };
          err.responseCode = code;
          return callback(err);
        }
        const raw = Buffer.concat(chunks);
        const parsed = await simpleParser(raw);
        const id = `${Date.now()}-${String(++seq).padStart(6, '0')}`;
        const headers: Record<string, string> = {};
        for (const [k, v] of parsed.headers) headers[k] = typeof v === 'string' ? v : JSON.stringify(v);
        const mail: SinkMail = {
          id,
          receivedAt: new Date().toISOString(),
          from: addrs(parsed.from)[0] ?? '',
          to: addrs(parsed.to),
          subject: parsed.subject ?? '',
          messageId: parsed.messageId ?? null,
          headers,
          text: parsed.text ?? '',
          html: typeof parsed.html === 'string' ? parsed.html : '',
        };
        store.push(mail);
        raws.set(id, raw);
        if (opts.dir) {
          writeFileSync(path.join(opts.dir, `${id}.eml`), raw);
          writeFileSync(path.join(opts.dir, `${id}.json`), JSON.stringify(mail, null, 2));
        }
        waiters.splice(0).forEach((w) => w());
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  // A sender that dies mid-session (ECONNRESET) emits 'error' here; unhandled, it would kill the sink.
  server.on('error', () => undefined);
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;

  return {
    port,
    viewToken: randomBytes(24).toString('base64url'),
    mails: () => [...store],
    get: (id) => store.find((m) => m.id === id),
    raw: (id) => raws.get(id) ?? (opts.dir ? readFileSync(path.join(opts.dir, `${id}.eml`)) : undefined),
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (store.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`smtp sink: expected ${count} mails, got ${store.length}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
      return [...store];
    },
    failNext(code, count = 1) {
      for (let i = 0; i < count; i++) failures.push(code);
    },
    clear() {
      store.length = 0;
      raws.clear();
    },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
