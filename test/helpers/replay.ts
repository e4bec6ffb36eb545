// Replays many recorded histories through one replay worker (Worker.runReplayHistories): the bundle
// is loaded into a worker once, not once per history. Each file's result is kept for its own test.
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { readFileSync } from 'fs';
import path from 'path';

/** What replaying `files` (under `dir`) gave, by file name: undefined when it replayed cleanly. */
export async function replayAll(options: ReplayWorkerOptions, dir: string, files: string[]): Promise<Map<string, Error | undefined>> {
  const histories = files.map((file) => ({ workflowId: file, history: historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8'))) }));
  const results = new Map<string, Error | undefined>();
  for await (const r of Worker.runReplayHistories(options, histories)) results.set(r.workflowId, r.error);
  return results;
}
