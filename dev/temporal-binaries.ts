// Where the Temporal CLI and the time-skipping test server are: an env override, the set-up's
// .tools/bin, or PATH. undefined means "let the SDK download it" (works only online).
import { existsSync } from 'fs';
import path from 'path';

const TOOLS_BIN = path.join(__dirname, '..', '.tools', 'bin');

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

export function temporalCliPath(env = process.env): string | undefined {
  if (env.TEMPORAL_CLI_PATH) return env.TEMPORAL_CLI_PATH;
  const local = path.join(TOOLS_BIN, 'temporal');
  return existsSync(local) ? local : onPath('temporal');
}

export function temporalTestServerPath(env = process.env): string | undefined {
  if (env.TEMPORAL_TEST_SERVER_PATH) return env.TEMPORAL_TEST_SERVER_PATH;
  const local = path.join(TOOLS_BIN, 'temporal-test-server');
  return existsSync(local) ? local : onPath('temporal-test-server');
}
