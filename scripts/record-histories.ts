// Records the event histories of test/support/scenarios.ts into test/fixtures/histories/*.json.
// Run after a deliberate, patched() change to the workflow, never to "fix" a failing replay test:
//   npx tsx scripts/record-histories.ts [--as TAG] [scenario ...]
// Only the named scenarios; with --as, written as <scenario>.<TAG>.json beside the older recordings,
// which stay: running leads recorded before a patch must keep replaying. (0.2 broke the history
// shape on purpose -- content as data, one effect boundary -- and re-recorded every scenario.)
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { createTimeSkippingEnv } from '../test/helpers/temporal';
import { fakeWorld } from '../test/support/fake-activities';
import { startWorkers, terminateLeftovers } from '../test/support/lead-harness';
import { scenarios } from '../test/support/scenarios';

async function main(): Promise<void> {
  const dir = join(__dirname, '../test/fixtures/histories');
  mkdirSync(dir, { recursive: true });
  const env = await createTimeSkippingEnv();
  try {
    const args = process.argv.slice(2);
    const at = args.indexOf('--as');
    const tag = at >= 0 ? args.splice(at, 2)[1] : undefined;
    if (at >= 0 && !tag?.match(/^[a-z0-9-]+$/)) throw new Error('--as needs a tag of a-z, 0-9 and -');
    const only = args;
    for (const sc of scenarios.filter((x) => !only.length || only.includes(x.name))) {
      const world = fakeWorld();
      await world.ready;
      const tq = `record-${sc.name}`;
      const workers = await startWorkers(env, tq, world.activities);
      const workflowId = await workers.run(() => sc.play(env, tq, world));
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      writeFileSync(join(dir, tag ? `${sc.name}.${tag}.json` : `${sc.name}.json`), historyToJSON(history));
      console.log(`${sc.name}: ${history.events?.length} events`);
      await terminateLeftovers(env);
    }
  } finally {
    await env.teardown();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
