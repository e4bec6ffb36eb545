// Offer campaigns as Temporal Schedules on a real Temporal dev server (the time-skipping test server
// has no schedules): created idempotently, each firing starts an offerCampaign run with its own run id;
// pausing stops the runs, a restart's update keeps the pause, deleting stops them for good.
import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { ensureOfferSchedules, lintOfferCampaigns, scheduleIdOf } from '../worker/schedules';
import { startDevServerOnFreePorts, type DevServer } from '../dev/dev-server';
import type { OfferCampaignResult } from '../workflows/offers/campaign';
import { offerCampaigns } from '../content/offers';
import { defineOfferCampaign } from '../workflows/offers/define';
import { eventually } from './helpers/eventually';
import { freePort } from './helpers/ports';
import { workflowBundle } from './support/lead-harness';

let dir: string;
let dev: DevServer;
let client: Client;
let native: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let runs = 0;
const tq = `schedules-${process.pid}`;

const campaign = defineOfferCampaign({
  id: 'test-every-2s',
  name: 'Test: every two seconds',
  schedule: { every: ['2 seconds'] },
  audience: { locales: ['pl'] },
  offer: { path: '/offers/test', content: { en: { title: 'Test offer', text: 'Test.' } } },
});

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'leadflow-sched-'));
  dev = await startDevServerOnFreePorts({ dataDir: dir, namespace: 'default' }, freePort);
  client = new Client({ connection: await Connection.connect({ address: dev.address }) });
  native = await NativeConnection.connect({ address: dev.address });
  worker = await Worker.create({
    connection: native,
    taskQueue: tq,
    workflowBundle: await workflowBundle(),
    // Each run reads its audience once: the count of reads is the count of runs.
    activities: {
      listOfferAudience: async () => {
        runs += 1;
        return { leadIds: [], next: null };
      },
    },
  });
  running = worker.run();
}, 120_000);
afterAll(async () => {
  worker?.shutdown();
  await running;
  await native?.close();
  await client?.connection.close();
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const bound = { withinMs: 30_000, everyMs: 100 };

/**
 * Proving that a schedule does *not* fire takes real time (a dev server's clock cannot be skipped):
 * until `planned`, a firing the schedule had listed as due, is past by 2.5 s -- time for it to
 * have started its run and for the run to have read its audience.
 */
async function pastPlannedFiring(planned: Date): Promise<void> {
  await eventually(() => Date.now() > planned.getTime() + 2_500, `the planned firing at ${planned.toISOString()} to be past`, { withinMs: planned.getTime() + 2_500 - Date.now() + 1_000, everyMs: 100 });
}

/** Waits until every run the schedule started has read its audience (one read per run). */
async function runsCaughtUp(handle: ReturnType<Client['schedule']['getHandle']>): Promise<number> {
  let taken = -1;
  await eventually(async () => (taken = (await handle.describe()).info.numActionsTaken) === runs, 'every started run to have read its audience', bound);
  return taken;
}

test('shipped campaigns are valid; a bad one is refused with every problem named and nothing created', async () => {
  expect(lintOfferCampaigns(offerCampaigns)).toEqual([]);
  const bad = { ...campaign, id: 'Bad Id', schedule: {}, offer: { path: 'no-slash', content: { pl: { title: '', text: 'x' } } } };
  const problems = lintOfferCampaigns([bad, campaign, campaign]);
  expect(problems).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^offer campaign Bad Id: id: /),
      expect.stringMatching(/Bad Id: schedule: needs a cron expression or an interval/),
      expect.stringMatching(/Bad Id: offer.path: /),
      expect.stringMatching(/Bad Id: offer.content: needs an `en` text/),
      expect.stringMatching(/Bad Id: offer.content.pl.title: /),
      'offer campaign test-every-2s: id used twice',
    ]),
  );
  await expect(ensureOfferSchedules(client, tq, [bad])).rejects.toThrow(/Invalid offer campaigns/);
  await expect(client.schedule.getHandle(scheduleIdOf('Bad Id')).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
});

test('the schedule runs the campaign; pause stops it (and survives a restart), delete ends it', async () => {
  // Created at worker start, and again at the next start: the same schedule, updated in place.
  expect(await ensureOfferSchedules(client, tq, [campaign], { inline: true })).toEqual(['offer-test-every-2s']);
  expect(await ensureOfferSchedules(client, tq, [campaign], { inline: true })).toEqual(['offer-test-every-2s']);
  const handle = client.schedule.getHandle('offer-test-every-2s');
  await eventually(() => runs >= 2, 'two scheduled runs', bound);

  // Each run has its own id (the schedule appends its time): the ledger key of its mails.
  const d = await handle.describe();
  const last = d.info.recentActions.at(-1)!.action.workflow.workflowId;
  expect(last).toMatch(/^offer-test-every-2s-/);
  const result: OfferCampaignResult = await client.workflow.getHandle(last).result();
  expect(result).toEqual({ campaignId: 'test-every-2s', runId: last, signalled: 0, missed: 0 });

  await handle.pause('ops: stop the spring offer');
  // A run that started just before the pause finishes.
  const paused = await runsCaughtUp(handle);
  const dueWhilePaused = (await handle.describe()).info.nextActionTimes[0] ?? new Date(Date.now() + 2_000);
  // The next worker start updates the definition but leaves ops' pause alone.
  await ensureOfferSchedules(client, tq, [campaign], { inline: true });
  expect((await handle.describe()).state.paused).toBe(true);
  await pastPlannedFiring(dueWhilePaused);
  expect({ taken: (await handle.describe()).info.numActionsTaken, runs }).toEqual({ taken: paused, runs: paused });

  await handle.unpause('ops: resume');
  await eventually(() => runs > paused, 'a run after unpause', bound);

  const dueAfterDelete = (await handle.describe()).info.nextActionTimes[0] ?? new Date(Date.now() + 2_000);
  await handle.delete();
  await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  // A run started just before the delete may still read its audience: none is running any more.
  await eventually(async () => (await client.workflow.count(`TemporalScheduledById = "offer-test-every-2s" AND ExecutionStatus = "Running"`)).count === 0, 'the last run to finish', bound);
  const deleted = runs;
  await pastPlannedFiring(dueAfterDelete);
  expect(runs).toBe(deleted);
}, 120_000);
