// A person's profile as the lead workflow may hold it (LeadFeatures): contact data (address, names,
// company, phone, website) dropped, which fields were given kept as `filled`. Pure: used by intake
// to start a workflow and by the workflow to read inputs and states from before this shape.
import { CONTACT_FIELDS, type LeadFeatures, type LeadProfile } from './types';

const given = (v: unknown): boolean => v !== undefined && v !== null && v !== '';
const isContact = (k: string): boolean => (CONTACT_FIELDS as readonly string[]).includes(k);

/** The features of a profile, or of an older state's profile (contact data dropped either way). */
export function featuresOf(p: LeadProfile | LeadFeatures | (Partial<LeadProfile> & Pick<LeadProfile, 'locale' | 'timezone' | 'source' | 'consent'>)): LeadFeatures {
  const filled = new Set<keyof LeadProfile>('filled' in p && Array.isArray(p.filled) ? p.filled : []);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'filled') continue;
    if (given(v)) filled.add(k as keyof LeadProfile);
    if (!isContact(k) && v !== undefined) out[k] = v;
  }
  return { ...(out as Omit<LeadFeatures, 'filled'>), filled: [...filled].sort() };
}

/** Changes of a profile as the workflow takes them: features only, and which fields are now given. */
export function mergeFeatures(f: LeadFeatures, changes: Partial<LeadProfile> | Partial<LeadFeatures>): LeadFeatures {
  return featuresOf({ ...f, ...changes, filled: [...new Set([...f.filled, ...Object.keys(changes).filter((k) => given((changes as Record<string, unknown>)[k]) && k !== 'filled')] as (keyof LeadProfile)[])] } as LeadFeatures);
}

/** The part of a profile change a workflow may be told: no contact data. */
export function featureChanges(changes: Partial<LeadProfile>): Partial<LeadFeatures> {
  const filled = Object.keys(changes).filter((k) => given((changes as Record<string, unknown>)[k])) as (keyof LeadProfile)[];
  const kept = Object.fromEntries(Object.entries(changes).filter(([k]) => !isContact(k)));
  return { ...kept, ...(filled.length ? { filled } : {}) };
}
