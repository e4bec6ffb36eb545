// Chaos: an SMTP server that holds the DATA phase past the activity's start-to-close timeout. Temporal
// retries the send while the first attempt is still inside SMTP; the ledger's lease makes the retry
// wait (or take over only once the stalled attempt gave up), so exactly one mail reaches the sink.
// Real dev server, real worker, the real sendEmail activity and ledger on PostgreSQL, a relay on
// 127.0.0.1 in front of the real mail sink.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { mkdtempSync, readdirSync, rmSync } from 'fs';
import nodemailer from 'nodemailer';
import { tmpdir } from 'os';
import path from 'path';
import { SMTPServer } from 'smtp-server';
import { createEmailActivities, type EmailConfig, type EmailDeps } from '../activities/email/send';
import { startDevServerOnFreePorts, type DevServer } from '../dev/dev-server';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink';
import type { SendEmailRequest } from '../workflows/activity-contract';
import { testEmailConfig } from './email.helpers';
import { createTestDb, type TestDb } from './helpers/db';
import { eventually } from './helpers/eventually';
import { freePort } from './helpers/ports';

/**
 * A relay that, for the next mail, waits `holdMs` after DATA (or until its client hangs up) before
 * passing it on and answering 250.
 */
interface StallingRelay {
  port: number;
  holdNext(ms: number): void;
  /** Mails whose client hung up while held: dropped, as a server drops an unfinished transaction. */
  dropped: number;
  /** Mails received and not yet passed on or dropped. */
  inFlight: number;
  stop(): Promise<void>;
}

async function startStallingRelay(sinkPort: number): Promise<StallingRelay> {
  const holds: number[] = [];
  const closed = new Set<string>();
  // Ends the hold of a session whose client hung up.
  const onHangUp = new Map<string, () => void>();
  const forward = nodemailer.createTransport({ host: '127.0.0.1', port: sinkPort, secure: false });
  const relay: StallingRelay = { port: 0, dropped: 0, inFlight: 0, holdNext: (ms) => void holds.push(ms), stop: async () => undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onClose(session) {
      closed.add(session.id);
      onHangUp.get(session.id)?.();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      relay.inFlight++;
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        try {
          const hold = holds.shift();
          if (hold) {
            await new Promise<void>((r) => {
              const timer = setTimeout(r, hold);
              onHangUp.set(session.id, () => (clearTimeout(timer), r()));
            });
          }
          if (closed.has(session.id)) {
            relay.dropped++;
            return;
          }
          await forward.sendMail({ envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) }, raw: Buffer.concat(chunks) });
          callback();
        } catch (e) {
          callback(e as Error);
        } finally {
          relay.inFlight--;
        }
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  relay.port = (server.server.address() as { port: number }).port;
  relay.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return relay;
}

const NOON = '2027-03-10T11:00:00.000Z';
let dir: string;
let dev: DevServer;
let t: TestDb;
let sink: SmtpSink;
let relay: StallingRelay;
let client: Client;
let connection: NativeConnection;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'leadflow-lease-'));
  [dev, t, sink] = await Promise.all([
    startDevServerOnFreePorts({ dataDir: path.join(dir, 'temporal'), namespace: 'default' }, freePort),
    createTestDb(),
    startSmtpSink({ port: 0, dir: path.join(dir, 'mail') }),
  ]);
  relay = await startStallingRelay(sink.port);
  connection = await NativeConnection.connect({ address: dev.address });
  client = new Client({ connection: await Connection.connect({ address: dev.address }) });
}, 120_000);

afterAll(async () => {
  await client?.connection.close();
  await connection?.close();
  await relay?.stop();
  await sink?.stop();
  await t?.cleanup();
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const config = (smtp: Partial<EmailConfig['smtp']> = {}): EmailConfig => testEmailConfig(relay.port, { smtp });

/** Runs one send through a worker with the real activity; returns what the workflow got. */
async function sendThroughTemporal(name: string, deps: Omit<EmailDeps, 'db'>, timeoutMs: number): Promise<unknown> {
  const lead = await t.db.lead.create({ data: { email: `${name}@acme.test`, firstName: 'Ola', source: 'test', workflowId: `lead-${name}`, consentStatus: 'confirmed', timezone: 'Europe/Warsaw' } });
  const mail = createEmailActivities({ db: t.db, ...deps });
  const taskQueue = `lease-${name}-${process.pid}`;
  const worker = await Worker.create({ connection, taskQueue, workflowsPath: require.resolve('./email.stall-workflow'), activities: { sendEmail: mail.sendEmail } });
  try {
    const req: SendEmailRequest = { idempotencyKey: `${lead.id}:welcome`, leadId: lead.id, template: 'double-opt-in', kind: 'transactional', variables: { firstName: 'Ola', company: null }, now: NOON };
    return await worker.runUntil(client.workflow.execute('sendWithShortTimeout', { taskQueue, workflowId: `lease-${name}-${Date.now()}`, args: [req, timeoutMs] }));
  } finally {
    mail.close();
  }
}

const sinkFiles = (): string[] => readdirSync(path.join(dir, 'mail')).filter((f) => f.endsWith('.eml'));

test('an attempt held in DATA past its timeout: the retry waits for it, one mail at the sink', async () => {
  sink.clear();
  const before = sinkFiles().length;
  // Held 4 s, timed out after 1.5 s: Temporal retries at ~1.8 s, 2.3 s, ... while the first is in DATA.
  relay.holdNext(4_000);
  const result = await sendThroughTemporal('held', { config: config() }, 1_500);
  expect(result).toMatchObject({ status: 'already_sent' });
  // The worker has stopped (no attempt left to send); counted once the relay holds nothing either.
  await eventually(() => relay.inFlight === 0, 'the relay to pass on or drop every mail');
  expect(sinkFiles().length - before).toBe(1);
  const row = await t.db.emailLog.findFirstOrThrow({ where: { lead: { email: 'held@acme.test' } } });
  expect(row).toMatchObject({ status: 'sent', attempts: 1, leaseUntil: null });
}, 60_000);

test('an attempt held until its SMTP connection gives up: it lets go of the lease, the retry sends, one mail', async () => {
  const before = sinkFiles().length;
  const dropped = relay.dropped;
  // Silent (up to 30 s) until the client gives up after 2 s of silence. The lease (3 s, renewed every
  // second) keeps the retries out until then; the held mail is dropped, the retry's mail gets through.
  relay.holdNext(30_000);
  const result = await sendThroughTemporal('gave-up', { config: config({ socketTimeoutMs: 2_000 }), lease: { ms: 3_000, renewEveryMs: 1_000 } }, 1_000);
  expect(result).toMatchObject({ status: 'sent' });
  await eventually(() => relay.inFlight === 0, 'the relay to pass on or drop every mail');
  expect(relay.dropped - dropped).toBe(1);
  expect(sinkFiles().length - before).toBe(1);
  const row = await t.db.emailLog.findFirstOrThrow({ where: { lead: { email: 'gave-up@acme.test' } } });
  expect(row).toMatchObject({ status: 'sent', attempts: 2 });
}, 60_000);
