// A port picked for the dev server can be taken by someone else before the server binds it (CI once
// lost 31 suites to that: one suite's server failed with "already in use" and left its database
// behind). startDevServerOnFreePorts starts it again on new ports instead of failing the run.
import { mkdtempSync } from 'fs';
import { createServer, type Server, type Socket } from 'net';
import { tmpdir } from 'os';
import path from 'path';
import { startDevServerOnFreePorts, type DevServer } from '../dev/dev-server';
import { freePort } from './helpers/ports';

let squatter: Server;
const sockets = new Set<Socket>();
let dev: DevServer | undefined;
afterAll(async () => {
  await dev?.stop();
  // The first attempt's health check may still hold a connection to the squatter.
  for (const s of sockets) s.destroy();
  await new Promise((r) => squatter?.close(r));
});

test('a port taken between the pick and the bind: started again on new ports', async () => {
  squatter = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const taken = await new Promise<number>((resolve) => squatter.listen(0, '127.0.0.1', () => resolve((squatter.address() as { port: number }).port)));
  const picked: number[] = [];
  // The first pick is the taken port (what a race looks like), then free ones.
  const pick = async (): Promise<number> => {
    const p = picked.length === 0 ? taken : await freePort();
    picked.push(p);
    return p;
  };
  dev = await startDevServerOnFreePorts({ dataDir: mkdtempSync(path.join(tmpdir(), 'leadflow-ports-')), namespace: 'default' }, pick);
  expect(picked).toHaveLength(4);
  expect(dev.address).toBe(`127.0.0.1:${picked[2]}`);
}, 120_000);

test('freePort never hands out the same port twice in a process', async () => {
  const ports = [];
  for (let i = 0; i < 200; i++) ports.push(await freePort());
  expect(new Set(ports).size).toBe(200);
});
