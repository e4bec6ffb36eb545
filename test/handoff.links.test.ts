// The manager's card as a manager uses it, on the time-skipping server with the REAL routing,
// lead-store and send activities (PostgreSQL, a real SMTP sink) and the API's hand-off pages: the card
// arrives in the manager's language with the lead's id and the deadline in their own time; its
// Accept link, taken from the sent mail, opens a confirmation page (a GET changes nothing, as a link
// scanner's must not) and its button's POST accepts; Send back re-routes to the next manager at
// once. A used, forged or expired link is refused with a page and nothing changes. The lead visited
// five pages with 1,900-character UTM URLs first: its card still renders and is sent.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { createClientActivities } from '../activities/leads/clients';
import { formatDeadline } from '../domain/mail/handoff';
import { linkBuilder } from '../domain/mail/links';
import { createEmailActivities, type EmailActivities } from '../activities/email/send';
import { createLeadStoreActivities } from '../activities/leads/lead-store';
import { createRoutingActivities } from '../activities/sales/routing';
import { handoffPlugin } from '../api/handoff';
import { buildApi } from '../api/server';
import { loadConfig } from '../runtime/config';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink';
import type { LeadActivities } from '../workflows/activity-contract';
import { leadEventSignal, stateQuery, type LeadView } from '../workflows/lead/messages';
import { createTestDb, type TestDb } from './helpers/db';
import { fakeWorld } from './support/fake-activities';
import { eventuallyValue } from './helpers/eventually';
import { baseProfile, passUntil, signalLead, startWorkers, useTimeSkippingEnv } from './support/lead-harness';

const SECRET = 'h'.repeat(40);
const BASE = 'https://leads.acme.test';
const hours = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' };
let env: TestWorkflowEnvironment;
let t: TestDb;
let sink: SmtpSink;
let api: FastifyInstance;
let email: EmailActivities;
let n = 0;

useTimeSkippingEnv((e) => (env = e));
beforeAll(async () => {
  t = await createTestDb();
  sink = await startSmtpSink({ port: 0 });
  email = createEmailActivities({
    db: t.db,
    config: { smtp: { host: '127.0.0.1', port: sink.port, secure: false, pool: false }, from: 'Acme <hello@acme.test>', companyName: 'Acme', companyAddress: '1 Main St', publicBaseUrl: BASE, siteUrl: 'https://www.acme.test', linkSecret: SECRET, quietHours: { start: '00:00', end: '00:00' }, cap: { max: 100, days: 7 } },
  });
}, 120_000);
beforeEach(async () => {
  // The API on each test's own time-skipping server.
  const config = { ...loadConfig({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'leadflow-handoff-links-')), LINK_SIGNING_SECRET: SECRET }), PUBLIC_BASE_URL: BASE };
  api = await buildApi({ db: t.db, temporal: env.client, config }, [handoffPlugin]);
  for (const table of [t.db.assignment, t.db.emailLog, t.db.leadEvent, t.db.lead, t.db.manager] as { deleteMany(): Promise<unknown> }[]) await table.deleteMany();
});
afterEach(async () => {
  await api?.close();
});
afterAll(async () => {
  email?.close();
  await sink?.stop();
  await t?.cleanup();
});

/** The real database and mail activities; only calendar and holidays stay in memory. */
function activities(): LeadActivities {
  const routing = createRoutingActivities({ db: t.db });
  return { ...fakeWorld().activities, ...createLeadStoreActivities({ db: t.db }), ...createClientActivities({ db: t.db }), routeLead: routing.routeLead, closeAssignment: routing.closeAssignment, sendEmail: email.sendEmail };
}

async function manager(name: string, locale: string, timezone: string, tier: number) {
  return t.db.manager.create({ data: { name, email: `${name.toLowerCase()}@sales.test`, languages: ['pl', 'en'], regions: [], tier, conversionRate: 0.3, capacity: 5, timezone, locale, workingHours: hours, outOfOffice: [] } });
}

const utmUrl = (i: number): string => `https://www.acme.test/pricing/plan-${i}?utm_source=newsletter&utm_medium=email&utm_campaign=${'spring-launch-'.repeat(130)}&utm_content=${i}`;

/** A lead row as intake writes it; five long UTM page views, then a demo and a reply: hot. */
async function hotLead(tq: string) {
  const id = `hl${++n}`;
  const profile = baseProfile({ email: `${id}@acme.test`, jobTitle: 'CEO' });
  await t.db.lead.create({ data: { id, email: profile.email, firstName: profile.firstName ?? null, lastName: profile.lastName ?? null, company: profile.company ?? null, jobTitle: 'CEO', source: profile.source, workflowId: `lead-${id}`, locale: profile.locale, timezone: profile.timezone, consentStatus: 'confirmed' } });
  const h = await signalLead(env, tq, id, profile, { id: `${id}-p1`, type: 'page_viewed', data: { url: utmUrl(1) } });
  for (const i of [2, 3, 4, 5]) await h.signal(leadEventSignal, { id: `${id}-p${i}`, type: 'page_viewed', data: { url: utmUrl(i) } });
  await h.signal(leadEventSignal, { id: `${id}-demo`, type: 'demo_booked' });
  await h.signal(leadEventSignal, { id: `${id}-reply`, type: 'replied' });
  return { id, h };
}

/** Lets workflow time pass (a second at a time) until the lead's state satisfies `ok`. */
async function until(h: { query: (q: typeof stateQuery) => Promise<LeadView> }, ok: (v: LeadView) => boolean, what: string): Promise<LeadView> {
  let v = await h.query(stateQuery);
  await passUntil(env, async () => ok((v = await h.query(stateQuery))), what, 60);
  return v;
}

/** The manager's card for a lead from the sink, and its buttons' links by label. */
async function cardFor(leadId: string, to: string) {
  const m = await eventuallyValue(
    () => sink.mails().find((x) => x.to.includes(to) && x.headers['x-leadflow-key']?.startsWith(`${leadId}:assign:`)),
    (x) => x !== undefined,
    `a card for ${leadId} to ${to}`,
    { everyMs: 100 },
  );
  const links = Object.fromEntries([...m!.html.matchAll(/<a\s+href="([^"]*\/handoff\/[^"]+)"[^>]*>\s*([^<]*?)\s*</g)].map((x) => [x[2], new URL(x[1].replace(/&amp;/g, '&')).pathname]));
  return { mail: m!, links };
}

const get = (url: string) => api.inject({ method: 'GET', url });
// What the confirmation page's form sends: an empty urlencoded body.
const post = (url: string) => api.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });

test("Accept from the real mail: the card in the manager's language and time, GET shows the lead and changes nothing, POST accepts; the used link is refused", async () => {
  const anna = await manager('Anna', 'pl', 'Europe/Warsaw', 1);
  await manager('Bob', 'en-GB', 'Europe/London', 2);
  const tq = `handoff-links-${process.pid}-${n}`;
  await (await startWorkers(env, tq, activities())).run(async () => {
    const { id, h } = await hotLead(tq);
    const offered = await until(h, (v) => v.stage === 'handed_off', 'hand-off');
    expect(offered.assignment).toMatchObject({ managerId: anna.id, accepted: false });
    const offer = await t.db.assignment.findFirstOrThrow({ where: { leadId: id, managerId: anna.id } });

    const { mail, links } = await cardFor(id, anna.email);
    // Anna's card: Polish, the lead's id, the deadline in Warsaw time, no wrong API hint; it rendered
    // although the five visited pages' URLs are 1,900 characters each.
    expect(mail.headers['content-language']).toBe('pl');
    expect(mail.subject).toMatch(/^Nowy lead/);
    expect(mail.text).toContain(id);
    expect(mail.text).toContain(formatDeadline(offer.dueAt!, 'Europe/Warsaw', 'pl'));
    expect(formatDeadline(offer.dueAt!, 'Europe/Warsaw', 'pl')).toMatch(/CET|CEST|GMT\+1|GMT\+2/);
    expect(mail.text).not.toMatch(/POST \/leads/);
    expect(mail.text).toContain('/pricing/plan-1, /pricing/plan-2, /pricing/plan-3, /pricing/plan-4, /pricing/plan-5');
    expect(Object.keys(links)).toEqual(['Akceptuję', 'Odeślij']);

    // A link scanner or a person opening the link: a page, nothing accepted.
    for (let i = 0; i < 3; i++) {
      const page = await get(links['Akceptuję']);
      expect(page.statusCode).toBe(200);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.body).toContain(id);
      expect(page.body).toContain('Zaakceptować tego leada?');
      expect(page.body).toContain('<form method="post">');
    }
    expect((await h.query(stateQuery)).assignment).toMatchObject({ accepted: false });

    // The button.
    const done = await post(links['Akceptuję']);
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Lead jest Twój');
    const accepted = await h.query(stateQuery);
    expect(accepted).toMatchObject({ stage: 'handed_off', owner: anna.id, assignment: { id: offer.id, managerId: anna.id, accepted: true } });
    // The workflow's loop closes the offer and records the event in the database right after (activities).
    await passUntil(env, async () => (await t.db.assignment.findUniqueOrThrow({ where: { id: offer.id } })).status === 'accepted' && (await t.db.leadEvent.count({ where: { leadId: id, type: 'assignment_accepted' } })) > 0, 'the offer closed as accepted');
    expect(await t.db.leadEvent.count({ where: { leadId: id, type: 'assignment_accepted' } })).toBe(1);

    // Used: both of the offer's links now only say so (410), and nothing changes.
    for (const url of [links['Akceptuję'], links['Odeślij']]) {
      for (const r of [await get(url), await post(url)]) {
        expect(r.statusCode).toBe(410);
        expect(r.body).toContain('Ten link został już użyty');
      }
    }
    expect(await h.query(stateQuery)).toMatchObject({ stage: 'handed_off', owner: anna.id, assignment: { accepted: true } });
  });
}, 180_000);

test('Send back from the real mail: POST re-routes to the next manager at once (their card in their language); the link then refused; forged and expired links refused', async () => {
  const anna = await manager('Anna2', 'pl', 'Europe/Warsaw', 1);
  const bob = await manager('Bob2', 'en-GB', 'Europe/London', 2);
  const tq = `handoff-links-${process.pid}-${n}`;
  await (await startWorkers(env, tq, activities())).run(async () => {
    const { id, h } = await hotLead(tq);
    await until(h, (v) => v.stage === 'handed_off', 'hand-off');
    const { links } = await cardFor(id, anna.email);

    const page = await get(links['Odeślij']);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Odesłać tego leada?');
    expect((await h.query(stateQuery)).owner).toBe(anna.id);

    // Forged (signature or payload changed) and expired links: refused, nothing changes.
    const token = links['Odeślij'].split('/').pop()!;
    const [body, sig] = token.split('.');
    const forgedSig = `/handoff/${body}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    const reaimed = `/handoff/${Buffer.from(Buffer.from(body, 'base64url').toString().replace('"back"', '"accept"')).toString('base64url')}.${sig}`;
    for (const url of [forgedSig, reaimed, '/handoff/not-a-token-at-all']) {
      for (const r of [await get(url), await post(url)]) {
        expect(r.statusCode).toBe(403);
        expect(r.body).toContain('This link is not valid');
      }
    }
    const offer = await t.db.assignment.findFirstOrThrow({ where: { leadId: id, managerId: anna.id } });
    const yesterday = linkBuilder(BASE, SECRET, () => Date.now() - 3 * 86_400_000);
    const expired = new URL(yesterday.handoff('back', { assignmentId: offer.id, leadId: id, managerId: anna.id }, new Date(Date.now() - 2 * 86_400_000))).pathname;
    for (const r of [await get(expired), await post(expired)]) {
      expect(r.statusCode).toBe(410);
      expect(r.body).toContain('This link has expired');
    }
    expect((await h.query(stateQuery)).assignment).toMatchObject({ managerId: anna.id, accepted: false });

    const done = await post(links['Odeślij']);
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Lead został odesłany');
    const rerouted = await until(h, (v) => v.assignment?.managerId === bob.id, 're-route to Bob');
    expect(rerouted).toMatchObject({ stage: 'handed_off', owner: bob.id });
    expect(rerouted.history.transitions.map((x) => x.reason)).toContainEqual(`sent back by ${anna.id}: re-routing`);
    await passUntil(env, async () => (await t.db.assignment.findUniqueOrThrow({ where: { id: offer.id } })).status === 'declined', 'the offer closed as declined');
    expect((await t.db.manager.findUniqueOrThrow({ where: { id: anna.id } })).openLeads).toBe(0);

    // Bob's card: English, London time.
    const bobCard = await cardFor(id, bob.email);
    expect(bobCard.mail.headers['content-language']).toBe('en');
    const bobOffer = await t.db.assignment.findFirstOrThrow({ where: { leadId: id, managerId: bob.id } });
    expect(bobCard.mail.text).toContain(formatDeadline(bobOffer.dueAt!, 'Europe/London', 'en-GB'));
    expect(Object.keys(bobCard.links)).toEqual(['Accept', 'Send back']);

    // Anna's used link: refused, Bob keeps the lead.
    for (const r of [await get(links['Odeślij']), await post(links['Odeślij']), await post(links['Akceptuję'])]) expect(r.statusCode).toBe(410);
    expect((await h.query(stateQuery)).assignment).toMatchObject({ managerId: bob.id, accepted: false });
  });
}, 180_000);
