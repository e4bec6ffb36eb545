// The team's custom lead fields: a lead's `custom` object (intake API, CSV import `custom.<name>`
// columns) is checked against these, and segments may filter on them. Declared as data; the zod
// schema is made from it (domain/intake/lead-input.ts). Add a field here, nothing else.
export type CustomFieldType =
  | { type: 'text'; max: number }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'int'; min?: number; max?: number }
  | { type: 'number'; min?: number; max?: number }
  | { type: 'boolean' }
  | { type: 'date' };

export const customFields: Record<string, CustomFieldType & { description: string }> = {
  plan: { type: 'enum', values: ['free', 'trial', 'team', 'enterprise'], description: 'The product plan the lead is on or asked about' },
  seats: { type: 'int', min: 1, max: 100_000, description: 'Seats the lead needs' },
  trialEndsOn: { type: 'date', description: 'Last day of the trial (YYYY-MM-DD)' },
  partner: { type: 'text', max: 100, description: 'The partner who referred the lead' },
  newsletter: { type: 'boolean', description: 'Reads the newsletter' },
};
