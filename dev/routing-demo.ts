// `npm run routing-demo`: routes a batch of sample leads over the demo managers (dev/seed.ts) on a
// fresh PostgreSQL database (embedded, thrown away after) with the real routing activity, and prints who got what and why: tiers for
// hot leads, language and region, round robin, an absence, a full manager, an SLA miss re-routed, and
// a freed slot waking the longest-waiting queued lead. The clock is fixed (Monday 23 November 2026,
// 10:00 in Warsaw), so every run prints the same assignments.
import { DateTime } from 'luxon';
import type { Db } from '../domain/db';
import { createRoutingActivities } from '../activities/sales/routing';
import { wakeQueuedLeads, whyNot, type CapacitySignaller } from '../domain/sales/routing';
import { createTestDb, stopOwnTestServer } from '../test/helpers/db';
import type { RouteLeadRequest, RouteLeadResult } from '../workflows/activity-contract';
import type { Temperature } from '../workflows/types';
import { seedDemoManagers } from './seed';

const START = DateTime.fromISO('2026-11-23T10:00', { zone: 'Europe/Warsaw' });

interface Sample {
  id: string;
  name: string;
  temperature: Temperature;
  locale: string;
  country: string;
}

// [name, temperature, locale, country]: Polish, Greek, Russian-speaking, English, German and French leads.
const SAMPLES: [string, Temperature, string, string][] = [
  ['Ola Nowak', 'hot', 'pl', 'PL'],
  ['Eleni Georgiou', 'hot', 'el', 'GR'],
  ['Sam Lee', 'hot', 'en', 'US'],
  ['Piotr Wiśniewski', 'warm', 'pl', 'PL'],
  ['Andreas Christou', 'warm', 'el', 'CY'],
  ['Ivan Petrov', 'hot', 'ru', 'RU'],
  ['Aigerim Bekova', 'warm', 'ru', 'KZ'],
  ['Emma Brown', 'warm', 'en', 'GB'],
  ['Liam Walsh', 'warm', 'en', 'IE'],
  ['Noah Smith', 'warm', 'en', 'US'],
  ['Olivia Jones', 'warm', 'en', 'AU'],
  ['Jonas Weber', 'warm', 'de', 'DE'],
  ['Lena Gruber', 'hot', 'de', 'AT'],
  ['Chloé Martin', 'warm', 'fr', 'FR'],
  ['Kasia Zielińska', 'hot', 'pl', 'PL'],
  ['Dimitris Nikolaou', 'hot', 'el', 'GR'],
];

async function main(): Promise<void> {
  const t = await createTestDb();
  try {
    await run(t.db);
  } finally {
    await t.cleanup();
    await stopOwnTestServer();
  }
}

async function run(db: Db): Promise<void> {
  await seedDemoManagers(db);
  const managers = new Map((await db.manager.findMany()).map((m) => [m.id, m]));
  const woken: string[] = [];
  // What the worker would do: signal the lead workflow; here it is printed and routed below.
  const signal: CapacitySignaller = async (workflowId) => void woken.push(workflowId.replace(/^lead-/, ''));
  const routing = createRoutingActivities({ db, signal });
  let minute = 0;
  const clock = (): DateTime => START.plus({ minutes: minute++ });

  const leads: Sample[] = [];
  const addLead = async ([name, temperature, locale, country]: [string, Temperature, string, string]): Promise<Sample> => {
    const id = `demo-${leads.length + 1}`;
    await db.lead.create({ data: { id, email: `${id}@example.test`, firstName: name, source: 'web_form', workflowId: `lead-${id}`, locale, country, temperature, stage: 'sql' } });
    const lead = { id, name, temperature, locale, country };
    leads.push(lead);
    return lead;
  };

  // The managers each lead was offered to, as its workflow keeps them (`triedManagers`).
  const tried = new Map<string, string[]>();
  const route = async (lead: Sample): Promise<RouteLeadResult> => {
    const at = clock();
    const exclude = tried.get(lead.id) ?? [];
    const req: RouteLeadRequest = { leadId: lead.id, temperature: lead.temperature, locale: lead.locale, country: lead.country, exclude, now: at.toUTC().toISO()! };
    const r = await routing.routeLead(req);
    const who = `${lead.name} (${lead.temperature}, ${lead.locale}-${lead.country})`.padEnd(36);
    if (r.assigned) {
      tried.set(lead.id, [...exclude, r.managerId]);
      const m = managers.get(r.managerId)!;
      const due = DateTime.fromISO(r.slaDueAt, { zone: m.timezone }).toFormat("ccc HH:mm 'local'");
      await db.lead.update({ where: { id: lead.id }, data: { stage: 'handed_off', ownerId: r.managerId } });
      console.log(`${at.toFormat('HH:mm')}  ${who} -> ${m.name.padEnd(19)} accept by ${due}`);
      console.log(`        why: ${r.reason}`);
    } else {
      // As the workflow does: the lead waits in the queue (LeadQueue="awaiting_manager").
      await db.lead.update({ where: { id: lead.id }, data: { stage: 'sql', ownerId: null } });
      await db.leadEvent.create({ data: { leadId: lead.id, type: 'queued_for_manager', dedupKey: `${lead.id}:queued:${minute}`, reason: r.reason, occurredAt: at.toJSDate() } });
      const all = await db.manager.findMany({ orderBy: { name: 'asc' } });
      const skipped = all.map((m) => `${m.name}: ${whyNot(m, { ...req, exclude }, at.toJSDate()) ?? 'eligible'}`).join('; ');
      console.log(`${at.toFormat('HH:mm')}  ${who} -> QUEUED (${r.reason})`);
      console.log(`        why: ${skipped}`);
    }
    return r;
  };
  const refresh = async (): Promise<void> => {
    for (const m of await db.manager.findMany()) managers.set(m.id, m);
  };

  console.log(`Routing demo: ${managers.size} demo managers, ${SAMPLES.length} sample leads, clock starts ${START.toFormat('cccc d LLLL yyyy HH:mm ZZZZ')}\n`);
  for (const m of [...managers.values()].sort((a, b) => a.tier - b.tier || b.conversionRate - a.conversionRate)) {
    console.log(`  ${m.name.padEnd(19)} tier ${m.tier}  conversion ${(m.conversionRate * 100).toFixed(0).padStart(2)}%  capacity ${String(m.capacity).padStart(2)}  speaks ${JSON.stringify(m.languages)}  covers ${JSON.stringify(m.regions)}${m.isHeadOfSales ? '  (head of sales: escalations only)' : ''}`);
  }

  console.log('\n1. A batch of new SQL leads, routed as they arrive');
  const results = new Map<string, RouteLeadResult>();
  for (const s of SAMPLES) {
    const lead = await addLead(s);
    results.set(lead.id, await route(lead));
  }

  console.log('\n2. Anna is out of office: a new Polish lead has nobody else who speaks Polish and covers Poland; she comes back');
  const anna = [...managers.values()].find((m) => m.name.startsWith('Anna'))!;
  await db.manager.update({ where: { id: anna.id }, data: { outOfOffice: [{ from: START.minus({ hours: 1 }).toUTC().toISO()!, to: START.plus({ days: 5 }).toUTC().toISO()! }] } });
  await refresh();
  const queuedPolish = await addLead(['Marek Lewandowski', 'hot', 'pl', 'PL']);
  await route(queuedPolish);
  // What PATCH /managers/:id {"outOfOffice": []} does: save, then wake the queue for her.
  await db.manager.update({ where: { id: anna.id }, data: { outOfOffice: [] } });
  await refresh();
  woken.length = 0;
  await wakeQueuedLeads(db, signal, anna.id, 'back from out of office', clock().toJSDate());
  console.log(`        Anna's absence cleared: woke ${woken.map((id) => leads.find((l) => l.id === id)?.name ?? id).join(', ') || 'nobody'}`);
  for (const id of woken) await route(leads.find((l) => l.id === id)!);

  console.log('\n3. SLA misses: Olga misses Sam (re-routed to the next eligible manager), Nikos misses Eleni (nobody else speaks Greek: queued)');
  for (const name of ['Sam Lee', 'Eleni Georgiou']) {
    const lead = leads.find((l) => l.name === name)!;
    const missed = results.get(lead.id)!;
    if (!missed.assigned) continue;
    await routing.closeAssignment(missed.assignmentId, 'missed');
    await refresh();
    await route(lead);
  }

  console.log('\n4. Nikos fills up with Greek leads; the next one queues; a deal he closes frees a slot and wakes it');
  const nikos = [...managers.values()].find((m) => m.name.startsWith('Nikos'))!;
  let greek: Sample | null = null;
  let won: { lead: Sample; offer: RouteLeadResult } | null = null;
  for (let i = 1; i <= nikos.capacity + 1; i++) {
    const lead = await addLead([`Greek lead ${i}`, 'warm', 'el', 'GR']);
    const r = await route(lead);
    if (!r.assigned) greek = lead;
    else won ??= { lead, offer: r };
    await refresh();
    if (greek) break;
  }
  if (greek && won?.offer.assigned) {
    woken.length = 0;
    await routing.closeAssignment(won.offer.assignmentId, 'won');
    console.log(`        ${won.lead.name} won, Nikos's offer closed: woke ${woken.length ? woken.map((id) => leads.find((l) => l.id === id)?.name ?? id).join(', ') : 'nobody'}`);
    await refresh();
    for (const id of woken) await route(leads.find((l) => l.id === id)!);
  }

  await refresh();
  console.log('\nLoad after the run (open leads / capacity):');
  const offers = await db.assignment.groupBy({ by: ['managerId', 'status'], _count: { _all: true } });
  for (const m of [...managers.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const mine = offers.filter((o) => o.managerId === m.id).map((o) => `${o.status} ${o._count._all}`).join(', ');
    console.log(`  ${m.name.padEnd(19)} ${String(m.openLeads).padStart(2)}/${String(m.capacity).padEnd(2)}  ${mine || '-'}`);
  }
  const queued = await db.lead.findMany({ where: { stage: 'sql' }, select: { firstName: true } });
  console.log(`  still queued: ${queued.length ? queued.map((l) => l.firstName).join(', ') : 'none'}`);
  console.log('  (Eleni waits because the only Greek-speaking manager already missed her SLA; ops see her under LeadQueue="awaiting_manager")');
  console.log(`\nCapacity was never exceeded: ${[...managers.values()].every((m) => m.openLeads <= m.capacity) ? 'yes' : 'NO'}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
