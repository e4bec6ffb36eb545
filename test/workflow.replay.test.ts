// Replays the committed histories (test/fixtures/histories, recorded by scripts/record-histories.ts)
// through the current workflow code. A change that would break a running lead -- different
// commands for the same history -- fails here; such changes need patched().
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { replayAll } from './helpers/replay';
import { workflowBundle } from './support/lead-harness';

const dir = join(__dirname, 'fixtures/histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
let replayed: Map<string, Error | undefined>;
beforeAll(async () => {
  replayed = await replayAll({ workflowBundle: await workflowBundle() }, dir, files);
}, 120_000);

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(3);
});

test.each(files)('history %s replays on the current code', (file) => {
  const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  expect(history.events?.length).toBeGreaterThan(10);
  expect(replayed.has(file)).toBe(true);
  const error = replayed.get(file);
  if (error) throw error;
});
