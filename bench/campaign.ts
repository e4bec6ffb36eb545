// Campaign throughput (issue 9, item 1): N leads through intake into a compressed five-mail drip
// (bench/sequences.ts, run by the real lead workflow with real activities: PostgreSQL ledger, MJML
// templates, SMTP) on the Temporal dev server, mails counted at the real SMTP sink. Baseline in the
// same run on the same server and worker: N trivial workflows with one no-op activity per step and
// the same waits. Targets: mails/s >= 80% of no-op activities/s, and >= 25 mails per CPU-second of
// all processes (server, worker, sink, bench); compared with 8 mails/s on one core (mautic#3358).
//   npx tsx bench/campaign.ts [--leads 10000]      -> bench/results/campaign.json
import { BENCH_DRIP_MAILS, BENCH_WAIT } from './sequences';
import { cpuMeter, numberArg, pool, writeResult } from './report';
import { startStack, waitForMails, type BenchStack } from './stack';
import { durationMs } from '../workflows/duration';

const LEADS = numberArg('leads', 10_000);
const MAUTIC_MAILS_PER_S = 8;
const START_WIDTH = 50;
const TARGET_RATIO = 0.8;
const TARGET_MAILS_PER_CPU_S = 25;

/**
 * Running workflows of a type, from visibility. On a starved machine the dev server's SQLite misses its
 * deadlines ("context deadline exceeded" in its log) and a count can fail, even as "Namespace not
 * found" (its namespace lookup failed the same way): such a poll is tried again, not the end of the run.
 */
async function runningCount(stack: BenchStack, type: string): Promise<number> {
  for (let failures = 0; ; failures++) {
    try {
      return (await stack.client.workflow.count(`WorkflowType = "${type}" AND ExecutionStatus = "Running"`)).count;
    } catch (e) {
      if (failures >= 30) throw e;
      console.warn(`count of running ${type} failed (${(e as Error).message}); trying again`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

/** Where a workflow's server work goes: every history event by kind, activities by type; `total` is the history's length. */
async function historyProfile(stack: BenchStack, workflowId: string): Promise<Record<string, number>> {
  const h = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const out: Record<string, number> = { total: h.events?.length ?? 0 };
  for (const e of h.events ?? []) {
    const kind = Object.keys(e).find((k) => k.endsWith('EventAttributes'))?.replace('EventAttributes', '') ?? 'unknown';
    const activity = e.activityTaskScheduledEventAttributes?.activityType?.name;
    const key = activity ? `activity:${activity}` : kind;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

async function main(): Promise<void> {
  const stack = await startStack('campaign');
  try {
    const worker = await stack.startWorker();
    const meter = (): (() => Record<string, number>) => cpuMeter({ temporal: stack.dev.process?.pid, worker: worker.pid, sink: stack.sink.pid, bench: process.pid, postgres: stack.postgresPid && { tree: stack.postgresPid } });

    // Baseline: N workflows x 5 no-op activities, the same waits.
    const waitMs = durationMs(BENCH_WAIT);
    let cpu = meter();
    const t0 = Date.now();
    await pool(LEADS, START_WIDTH, (i) => stack.client.workflow.start('noopDrip', { workflowId: `noop-${i}`, taskQueue: stack.taskQueue, args: [BENCH_DRIP_MAILS, waitMs] }));
    while ((await runningCount(stack, 'noopDrip')) > 0) await new Promise((r) => setTimeout(r, 1000));
    const noopMs = Date.now() - t0;
    const noopCpu = cpu();
    const noopPerS = (LEADS * BENCH_DRIP_MAILS) / (noopMs / 1000);
    console.log(`baseline: ${LEADS} x ${BENCH_DRIP_MAILS} no-op activities in ${noopMs} ms = ${noopPerS.toFixed(1)}/s; CPU s ${JSON.stringify(noopCpu)}`);

    // The campaign: intake -> lead workflow -> drip -> ledger -> SMTP -> sink.
    const expected = LEADS * BENCH_DRIP_MAILS;
    cpu = meter();
    const t1 = Date.now();
    let intakeMs = 0;
    let firstLead = '';
    await pool(LEADS, START_WIDTH, async (i) => {
      const r = await stack.intake(i, 'bench');
      if (i === 0) firstLead = r.workflowId;
    });
    intakeMs = Date.now() - t1;
    await waitForMails(stack, expected, 120_000, (n) => process.stdout.write(`\r  mails at the sink: ${n}/${expected}`));
    const campaignMs = Date.now() - t1;
    const campaignCpu = cpu();
    process.stdout.write('\n');
    // Nothing more should come (each lead parks after its fifth mail); give stragglers a moment.
    await new Promise((r) => setTimeout(r, 3000));
    const mails = stack.sink.count();
    const duplicates = stack.sink.duplicates().length;
    const perLead = [...stack.sink.byRecipient().values()];
    const leadsWithFive = perLead.filter((n) => n === BENCH_DRIP_MAILS).length;
    const mailsPerS = expected / (campaignMs / 1000);
    const ratio = mailsPerS / noopPerS;
    const cpuTotal = Object.values(campaignCpu).reduce((a, b) => a + b, 0);
    const perCpuS = expected / cpuTotal;
    const perWorkflow = { noopDrip: await historyProfile(stack, 'noop-0'), leadLifecycle: await historyProfile(stack, firstLead) };

    const result = {
      leads: LEADS,
      dripMails: BENCH_DRIP_MAILS,
      dripWait: BENCH_WAIT,
      baseline: { activities: LEADS * BENCH_DRIP_MAILS, wallMs: noopMs, perSecond: round(noopPerS), cpuSeconds: noopCpu },
      campaign: { intakeMs, wallMs: campaignMs, mailsAtSink: mails, expected, duplicates, leadsWithAllFive: leadsWithFive, mailsPerSecond: round(mailsPerS), cpuSeconds: campaignCpu },
      // Server work per workflow (workflow tasks, activities, timers): the profile behind the ratio.
      historyPerWorkflow: perWorkflow,
      ratioToBaseline: round(ratio, 3),
      target: TARGET_RATIO,
      targetMet: ratio >= TARGET_RATIO,
      mailsPerCpuSecond: { value: round(perCpuS), cpuSecondsAllProcesses: round(cpuTotal), serverCpuMsPerMail: round((campaignCpu.temporal * 1000) / expected), workerCpuMsPerMail: round((campaignCpu.worker * 1000) / expected), cpuMsPerMailByProcess: Object.fromEntries(Object.entries(campaignCpu).map(([k, v]) => [k, round((v * 1000) / expected)])), target: TARGET_MAILS_PER_CPU_S, targetMet: perCpuS >= TARGET_MAILS_PER_CPU_S },
      noopCpuMsPerActivity: { temporal: round((noopCpu.temporal * 1000) / (LEADS * BENCH_DRIP_MAILS)), worker: round((noopCpu.worker * 1000) / (LEADS * BENCH_DRIP_MAILS)) },
      vsMautic: { mauticMailsPerSecond: MAUTIC_MAILS_PER_S, factor: round(mailsPerS / MAUTIC_MAILS_PER_S) },
    };
    console.log(`campaign: ${LEADS} leads, ${mails}/${expected} mails at the sink (${duplicates} duplicate Message-IDs, ${leadsWithFive} leads with all ${BENCH_DRIP_MAILS}) in ${campaignMs} ms (intake ${intakeMs} ms)`);
    console.log(`          ${mailsPerS.toFixed(1)} mails/s end to end; CPU s ${JSON.stringify(campaignCpu)}`);
    console.log(`per workflow (history): noop ${JSON.stringify(perWorkflow.noopDrip)}`);
    console.log(`                        lead ${JSON.stringify(perWorkflow.leadLifecycle)}`);
    console.log(`ratio to the bare activity rate: ${(ratio * 100).toFixed(1)}% (target >= ${TARGET_RATIO * 100}%: ${ratio >= TARGET_RATIO ? 'met' : 'MISSED'})`);
    console.log(`mails per CPU-second of all processes: ${perCpuS.toFixed(1)} (${cpuTotal.toFixed(1)} CPU-s; target >= ${TARGET_MAILS_PER_CPU_S}: ${perCpuS >= TARGET_MAILS_PER_CPU_S ? 'met' : 'MISSED'}); server ${result.mailsPerCpuSecond.serverCpuMsPerMail} ms CPU per mail vs ${result.noopCpuMsPerActivity.temporal} ms per no-op step`);
    console.log(`vs Mautic's 8 mails/s: ${(mailsPerS / MAUTIC_MAILS_PER_S).toFixed(1)}x`);
    console.log(`written ${writeResult('campaign', result)}`);
    if (mails !== expected || duplicates) process.exitCode = 1;
  } catch (e) {
    // Said before the stack stops: a client retry still pending then dies with "Channel has been shut down".
    console.error(e);
    throw e;
  } finally {
    await stack.stop();
  }
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
