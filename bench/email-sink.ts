// The benchmark's SMTP receiver, in a process of its own so it does not share the sender's event
// loop. Run as a script it listens and prints "port <n>"; imported, startSinkProcess() spawns it.
import { spawn } from 'child_process';
import { startTestSmtp } from '../test/email.helpers';

export async function startSinkProcess(): Promise<{ port: number; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`sink exited ${c}`)));
    child.stdout!.on('data', (d: Buffer) => {
      const m = /port (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    });
  });
  return { port, stop: () => child.kill('SIGTERM') };
}

if (require.main === module) {
  // keep: false -- accept and drop, so the receiver's cost stays out of the sender's figures.
  void startTestSmtp({ keep: false }).then((s) => {
    console.log(`port ${s.port}`);
    process.on('SIGTERM', () => void s.stop().then(() => process.exit(0)));
  });
}
