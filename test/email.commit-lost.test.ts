// Chaos: the database goes away while the SMTP server is taking the mail, so the attempt cannot
// renew its lease nor mark the row `sent` once the server said 250. The attempt must still report
// the mail as sent (a throw would have Temporal retry, and the retry, once the lease ran out,
// would send it again); the `sent` mark lands when the database is back, and a later attempt of the
// same key finds it: one mail at the sink. Real sendEmail activity and ledger on PostgreSQL, a relay
// on 127.0.0.1 in front of the real mail sink.
import { mkdtempSync, rmSync } from 'fs';
import nodemailer from 'nodemailer';
import { tmpdir } from 'os';
import path from 'path';
import { SMTPServer } from 'smtp-server';
import { createEmailActivities, type EmailConfig } from '../activities/email/send';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink';
import type { SendEmailRequest } from '../workflows/activity-contract';
import { testEmailConfig } from './email.helpers';
import { createTestDb, type TestDb } from './helpers/db';
import { eventually } from './helpers/eventually';

let dir: string;
let t: TestDb;
let sink: SmtpSink;
let relay: SMTPServer;
let relayPort: number;
/** Set by a test: runs inside the relay's DATA phase, before the mail is passed on and answered 250. */
let duringData: (() => Promise<void>) | undefined;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'leadflow-commit-lost-'));
  [t, sink] = await Promise.all([createTestDb(), startSmtpSink({ port: 0, dir: path.join(dir, 'mail') })]);
  const forward = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false });
  relay = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        try {
          await duringData?.();
          await forward.sendMail({ envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) }, raw: Buffer.concat(chunks) });
          callback();
        } catch (e) {
          callback(e as Error);
        }
      });
    },
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', () => resolve()));
  relayPort = (relay.server.address() as { port: number }).port;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (relay ? relay.close(() => resolve()) : resolve()));
  await sink?.stop();
  await t?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const waitUntil = (ok: () => Promise<boolean>, what: string): Promise<void> => eventually(ok, what, { everyMs: 100 });

const config = (): EmailConfig => testEmailConfig(relayPort, { smtp: { pool: false } });

test('the database goes away during SMTP: the attempt reports sent, the mark lands once it is back, a retry sends nothing', async () => {
  const lead = await t.db.lead.create({ data: { email: 'lost@acme.test', firstName: 'Ola', source: 'test', workflowId: 'lead-lost', consentStatus: 'confirmed', timezone: 'Europe/Warsaw' } });
  const req: SendEmailRequest = { idempotencyKey: `${lead.id}:welcome`, leadId: lead.id, template: 'double-opt-in', kind: 'transactional', variables: { firstName: 'Ola', company: null }, now: '2027-03-10T11:00:00.000Z' };
  // A short lease, so a retry may take the row over soon after the database is back.
  const lease = { ms: 1_000, renewEveryMs: 300 };
  const mail = createEmailActivities({ db: t.db, config: config(), lease });
  const before = sink.mails().length;
  try {
    duringData = async () => {
      duringData = undefined;
      await t.setAvailable(false);
      // Past the lease: its renewals fail meanwhile.
      await new Promise((r) => setTimeout(r, 1_500));
    };
    // The server accepted the mail: sent, though the ledger could not say so.
    expect(await mail.sendEmail(req)).toMatchObject({ status: 'sent' });
    expect(sink.mails().length - before).toBe(1);
    await t.setAvailable(true);
    await waitUntil(async () => (await t.db.emailLog.findUnique({ where: { idempotencyKey: req.idempotencyKey } }))?.status === 'sent', 'the sent mark once the database is back');
    // A retry of the same key (as Temporal would run, had the attempt failed), its lease long run out.
    await new Promise((r) => setTimeout(r, lease.ms));
    expect(await mail.sendEmail(req)).toMatchObject({ status: 'already_sent' });
    expect(sink.mails().length - before).toBe(1);
    expect(await t.db.emailLog.findUniqueOrThrow({ where: { idempotencyKey: req.idempotencyKey } })).toMatchObject({ status: 'sent', attempts: 1 });
  } finally {
    duringData = undefined;
    await t.setAvailable(true);
    mail.close();
  }
}, 60_000);
