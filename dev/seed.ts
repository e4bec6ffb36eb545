// Demo data for `npm start`: managers (one head of sales), a campaign with spend, and a few leads at
// different points of their life. Idempotent: re-running changes nothing.
import type { Client } from '@temporalio/client';
import type { Db } from '../domain/db';
import { intakeLead, type IntakeInput } from '../domain/intake/intake';
import { seedDeferredLead } from './seed-deferred';

export const demoWorkingHours = { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };

export const demoManagers = [
  { name: 'Anna Kowalska', email: 'anna@sales.leadflow.local', languages: ['pl', 'en'], regions: ['PL'], tier: 1, conversionRate: 0.32, capacity: 8, timezone: 'Europe/Warsaw', locale: 'pl' },
  { name: 'Nikos Papadopoulos', email: 'nikos@sales.leadflow.local', languages: ['el', 'en'], regions: ['GR', 'CY'], tier: 1, conversionRate: 0.28, capacity: 6, timezone: 'Europe/Athens', locale: 'el' },
  { name: 'Olga Ivanova', email: 'olga@sales.leadflow.local', languages: ['ru', 'en'], regions: [], tier: 2, conversionRate: 0.21, capacity: 10, timezone: 'Europe/Warsaw', locale: 'ru' },
  { name: 'James Carter', email: 'james@sales.leadflow.local', languages: ['en'], regions: [], tier: 2, conversionRate: 0.19, capacity: 10, timezone: 'Europe/London', locale: 'en-GB' },
  { name: 'Maria Schmidt', email: 'maria@sales.leadflow.local', languages: ['de', 'en'], regions: [], tier: 3, conversionRate: 0.12, capacity: 12, timezone: 'Europe/Berlin' },
  { name: 'Head of Sales', email: 'head@sales.leadflow.local', languages: [], regions: [], tier: 1, conversionRate: 0.35, capacity: 0, timezone: 'Europe/Warsaw', isHeadOfSales: true },
];

export const demoLeads: IntakeInput[] = [
  { email: 'ola.nowak@example.pl', firstName: 'Ola', lastName: 'Nowak', company: 'Nowak Sp. z o.o.', companySize: 80, industry: 'software', jobTitle: 'Marketing Manager', locale: 'pl', timezone: 'Europe/Warsaw', country: 'PL', source: 'web_form', campaignId: 'demo-q4', consent: 'confirmed', utm: { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'demo-q4' } },
  { email: 'eleni@example.gr', firstName: 'Eleni', lastName: 'Georgiou', company: 'Aegean Retail', companySize: 300, industry: 'retail', jobTitle: 'CEO', locale: 'el', timezone: 'Europe/Athens', country: 'GR', source: 'webinar', consent: 'confirmed', event: { id: 'demo-eleni-webinar', type: 'webinar_attended' } },
  { email: 'ivan@example.ru', firstName: 'Ivan', company: 'Volga Tech', companySize: 40, industry: 'software', jobTitle: 'Head of Sales', locale: 'ru', timezone: 'Europe/Moscow', country: 'RU', source: 'chat', consent: 'confirmed' },
  { email: 'sam@example.com', firstName: 'Sam', lastName: 'Lee', company: 'Northwind', companySize: 1200, industry: 'finance', jobTitle: 'VP Operations', locale: 'en', timezone: 'America/New_York', country: 'US', source: 'landing_page', consent: 'confirmed', event: { id: 'demo-sam-demo', type: 'demo_booked' } },
];

/** The demo managers (also used by dev/routing-demo.ts); existing ones are left as they are. */
export async function seedDemoManagers(db: Db): Promise<void> {
  for (const m of demoManagers) {
    await db.manager.upsert({ where: { email: m.email }, update: {}, create: { ...m, workingHours: demoWorkingHours, outOfOffice: [] } });
  }
}

export async function seedDemo(deps: { db: Db; temporal: Client; taskQueue: string }): Promise<{ managers: number; leads: number }> {
  const { db } = deps;
  await seedDemoManagers(db);
  await db.campaign.upsert({ where: { id: 'demo-q4' }, update: {}, create: { id: 'demo-q4', name: 'Demo Q4 search ads', channel: 'cpc', spend: 1500, currency: 'EUR' } });
  for (const l of demoLeads) await intakeLead(deps, l);
  // Sam (demo booked, VP at a large company) is hot and goes to sales; a reply pushes it further.
  // Kostas said "not now": deferred, with its next greeting and re-qualification date in `state`.
  const deferred = await seedDeferredLead(deps);
  deferred.surveyed.catch((e: Error) => console.error(`demo deferred lead: ${e.message}`));
  return { managers: demoManagers.length, leads: demoLeads.length + 1 };
}
