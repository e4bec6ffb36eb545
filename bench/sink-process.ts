// An SMTP sink in a process of its own, so a benchmark measures the sender, not the receiver's
// parsing (which would otherwise share the sender's CPU). Prints "port <n>" when listening.
import { startSmtpSink } from '../worker/smtp-sink';

void startSmtpSink({ port: 0 }).then((s) => {
  console.log(`port ${s.port}`);
  process.on('SIGTERM', () => void s.stop().then(() => process.exit(0)));
  setInterval(() => s.clear(), 5000); // bounded memory over long runs
});
