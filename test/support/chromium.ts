// Headless Chromium for the page tests: CHROMIUM_PATH, else the first chromium-like binary on PATH
// (.ci/run installs Debian's chromium); null when there is none, and those tests skip.
import { spawnSync } from 'child_process';
import { existsSync } from 'fs';

export function findChromium(): string | null {
  if (process.env.CHROMIUM_PATH) return existsSync(process.env.CHROMIUM_PATH) ? process.env.CHROMIUM_PATH : null;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}
