// Every locked dependency must run on the oldest Node.js the project names (package.json "engines"),
// so a fresh `npm ci` prints no EBADENGINE warning there (overrides in package.json pin the ones that
// would not).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

const root = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[] }>;
};

test('every locked package runs on the oldest Node.js in package.json engines', () => {
  const oldest = semver.minVersion(pkg.engines.node);
  expect(oldest?.version).toBe('20.19.0');
  const refusing = Object.entries(lock.packages)
    .flatMap(([name, entry]) => {
      const wanted = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      return wanted && !semver.satisfies(oldest!.version, wanted) ? [`${name} wants node ${wanted}`] : [];
    });
  expect(refusing).toEqual([]);
});
