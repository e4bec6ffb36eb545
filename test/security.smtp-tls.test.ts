// SMTP TLS is verified by default, for STARTTLS and for implicit TLS: a local SMTP server with a
// self-signed certificate (made here) is refused unless the development opt-out is set, or its
// certificate is given as the CA. With a login, a server that hides STARTTLS gets no password.
import nodemailer from 'nodemailer';
import { generate } from 'selfsigned';
import { SMTPServer } from 'smtp-server';
import { smtpTransportOptions, type SmtpConfig } from '../activities/email/send';
import { loadConfig } from '../runtime/config';

interface Server {
  port: number;
  received: string[];
  logins: string[];
  close(): Promise<void>;
}

let cert: { key: string; cert: string };

beforeAll(async () => {
  const made = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  cert = { key: made.private, cert: made.cert };
});

async function smtpServer(mode: 'starttls' | 'implicit' | 'plain'): Promise<Server> {
  const received: string[] = [];
  const logins: string[] = [];
  const server = new SMTPServer({
    secure: mode === 'implicit',
    ...(mode === 'plain' ? { disabledCommands: ['STARTTLS'] } : { key: cert.key, cert: cert.cert }),
    // Logins are allowed in clear text here, so only the client's rules keep the password safe.
    allowInsecureAuth: true,
    authOptional: true,
    logger: false,
    onAuth(auth, _session, cb) {
      logins.push(`${auth.username}:${auth.password}`);
      cb(null, { user: auth.username });
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push(Buffer.concat(chunks).toString());
        cb();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, received, logins, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function send(smtp: SmtpConfig): Promise<'sent' | string> {
  const transport = nodemailer.createTransport({ ...smtpTransportOptions({ ...smtp, pool: false }), connectionTimeout: 5000, greetingTimeout: 5000 });
  try {
    await transport.sendMail({ from: 'a@acme.test', to: 'b@acme.test', subject: 'hello', text: 'secret body' });
    return 'sent';
  } catch (e) {
    return (e as Error).message;
  } finally {
    transport.close();
  }
}

describe.each([
  ['STARTTLS (port 587 style)', 'starttls', false],
  ['implicit TLS (port 465 style)', 'implicit', true],
] as const)('%s with a self-signed certificate', (_name, mode, secure) => {
  let server: Server;
  beforeAll(async () => {
    server = await smtpServer(mode);
  });
  afterAll(() => server.close());

  test('refused by default: the certificate is checked, no mail and no password go out', async () => {
    const r = await send({ host: '127.0.0.1', port: server.port, secure, user: 'app', pass: 'hunter2' });
    expect(r).toMatch(/self[- ]signed certificate/i);
    expect(server.received).toHaveLength(0);
    expect(server.logins).toHaveLength(0);
  });

  test('accepted when the certificate is given as the CA (verified, not skipped)', async () => {
    expect(await send({ host: '127.0.0.1', port: server.port, secure, ca: cert.cert })).toBe('sent');
    expect(server.received.at(-1)).toContain('secret body');
  });

  test('accepted with the explicit development opt-out (SMTP_TLS_INSECURE)', async () => {
    const before = server.received.length;
    expect(await send({ host: '127.0.0.1', port: server.port, secure, tlsInsecure: true })).toBe('sent');
    expect(server.received).toHaveLength(before + 1);
  });
});

test('with a login, a server that does not offer STARTTLS (or a man in the middle who hid it) gets no password', async () => {
  const server = await smtpServer('plain');
  try {
    expect(await send({ host: '127.0.0.1', port: server.port, secure: false, user: 'app', pass: 'hunter2' })).toMatch(/STARTTLS/i);
    expect(server.logins).toEqual([]);
    // Without a login (the local sink) plain SMTP on 127.0.0.1 is fine.
    expect(await send({ host: '127.0.0.1', port: server.port, secure: false })).toBe('sent');
  } finally {
    await server.close();
  }
});

test('SMTP_TLS_INSECURE is refused in production, and the configuration passes it to the transport', () => {
  expect(() => loadConfig({ DATA_DIR: '/tmp/leadflow-tls-test', NODE_ENV: 'production', LINK_SIGNING_SECRET: 's'.repeat(40), SMTP_TLS_INSECURE: 'true' })).toThrow(/SMTP_TLS_INSECURE: not allowed in production/);
  expect(smtpTransportOptions({ host: 'smtp.example.com', port: 587, secure: false }).tls).toEqual({ rejectUnauthorized: true });
  expect(smtpTransportOptions({ host: '127.0.0.1', port: 2525, secure: false, tlsInsecure: true }).tls).toEqual({ rejectUnauthorized: false });
});
