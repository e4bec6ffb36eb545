// Starts bench/sink-process.ts and resolves with its port.
import { spawn, type ChildProcess } from 'child_process';
import path from 'path';

export async function startSinkProcess(): Promise<{ port: number; stop(): void; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'sink-process.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`sink exited ${c}`)));
    child.stdout!.on('data', (d: Buffer) => {
      const m = /port (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    });
  });
  return { port, child, stop: () => child.kill('SIGTERM') };
}
