// Lead scoring: profile points + behaviour points with exponential time decay. Pure and
// deterministic (the workflow calls it with workflow time), so every number can be explained.
import type { ScoringRules } from '../../domain/content/scoring-schema';
import type { LeadEventSignal, LeadEventType, LeadFeatures, LeadProfile, Temperature } from '../types';

// The rules' type is the zod schema's (domain/content/scoring-schema.ts), imported as a type only.
export type { ScoringRules };

export interface ScoredEvent {
  id: string;
  type: LeadEventType | 'manual';
  /** Epoch ms. */
  at: number;
  points: number;
}

/** Behaviour memory: listed events plus one folded remainder, valued at `folded.at`. */
export interface Behaviour {
  events: ScoredEvent[];
  folded: { points: number; at: number };
}

export interface ScoreBreakdown {
  total: number;
  profile: number;
  behaviour: number;
  profileParts: { rule: string; points: number }[];
  events: { id: string; type: ScoredEvent['type']; at: number; points: number; decayed: number }[];
  foldedBehaviour: number;
  temperature: Temperature;
}

const DAY_MS = 86_400_000;

export function emptyBehaviour(now: number): Behaviour {
  return { events: [], folded: { points: 0, at: now } };
}

export function decay(points: number, at: number, now: number, halfLifeDays: number): number {
  const ageDays = Math.max(0, now - at) / DAY_MS;
  return points * Math.pow(0.5, ageDays / halfLifeDays);
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

export function eventPoints(event: Pick<LeadEventSignal, 'type' | 'data'>, rules: ScoringRules): number {
  if (event.type === 'page_viewed') {
    const url = typeof event.data?.url === 'string' ? event.data.url : '';
    const path = url.replace(/^[a-z]+:\/\/[^/]+/i, '');
    const page = rules.pages.find((p) => path.startsWith(p.prefix));
    if (page) return page.points;
  }
  return rules.events[event.type] ?? 0;
}

/** The buying signal `event` is, if any (its label), by the rules' list. */
export function buyingSignal(event: Pick<LeadEventSignal, 'type' | 'data'>, rules: ScoringRules): string | null {
  const url = typeof event.data?.url === 'string' ? event.data.url.replace(/^[a-z]+:\/\/[^/]+/i, '') : '';
  const hit = rules.buyingSignals.signals.find((s) => s.event === event.type && (!s.urlPrefix || url.startsWith(s.urlPrefix)));
  return hit ? hit.label : null;
}

export function profileScore(profile: LeadProfile | LeadFeatures, rules: ScoringRules): { total: number; parts: { rule: string; points: number }[] } {
  const parts: { rule: string; points: number }[] = [];
  const p = rules.profile;
  const title = (profile.jobTitle ?? '').toLowerCase();
  const seniority = p.seniority
    .filter((s) => title.includes(s.keyword.toLowerCase()))
    .sort((a, b) => b.points - a.points)[0];
  if (seniority) parts.push({ rule: `job title "${seniority.keyword}"`, points: seniority.points });
  if (profile.companySize !== undefined) {
    const size = [...p.companySize].sort((a, b) => b.min - a.min).find((s) => profile.companySize! >= s.min);
    if (size) parts.push({ rule: `company size >= ${size.min}`, points: size.points });
  }
  const industry = profile.industry?.toLowerCase();
  if (industry && p.industries[industry] !== undefined) parts.push({ rule: `industry ${industry}`, points: p.industries[industry] });
  // A workflow's features carry which fields were given (contact data itself stays in the database).
  const value = (k: keyof LeadProfile): unknown => (profile as Partial<Record<keyof LeadProfile, unknown>>)[k];
  const filled = (k: keyof LeadProfile): boolean => ('filled' in profile && profile.filled.includes(k)) || (value(k) !== undefined && value(k) !== null && value(k) !== '');
  const missingRequired = p.requiredFields.filter((k) => !filled(k));
  if (missingRequired.length) parts.push({ rule: `missing required: ${missingRequired.join(', ')}`, points: -p.missingRequiredPenalty * missingRequired.length });
  const desired = p.desiredFields.filter(filled);
  if (desired.length) parts.push({ rule: `desired fields: ${desired.join(', ')}`, points: desired.length * p.pointsPerDesiredField });
  return { total: parts.reduce((sum, x) => sum + x.points, 0), parts };
}

export function temperatureOf(total: number, rules: ScoringRules): Temperature {
  if (total >= rules.bands.hot) return 'hot';
  if (total >= rules.bands.warm) return 'warm';
  return 'cold';
}

export function behaviourScore(b: Behaviour, now: number, rules: ScoringRules): { total: number; folded: number; lines: ScoreBreakdown['events'] } {
  const folded = decay(b.folded.points, b.folded.at, now, rules.halfLifeDays);
  const lines = b.events.map((e) => ({ ...e, decayed: round2(decay(e.points, e.at, now, rules.halfLifeDays)) }));
  const total = folded + b.events.reduce((sum, e) => sum + decay(e.points, e.at, now, rules.halfLifeDays), 0);
  return { total, folded: round2(folded), lines };
}

export function computeScore(profile: LeadProfile | LeadFeatures, b: Behaviour, now: number, rules: ScoringRules): ScoreBreakdown {
  const prof = profileScore(profile, rules);
  const beh = behaviourScore(b, now, rules);
  const total = round2(prof.total + beh.total);
  return {
    total,
    profile: round2(prof.total),
    behaviour: round2(beh.total),
    profileParts: prof.parts,
    events: beh.lines,
    foldedBehaviour: beh.folded,
    temperature: temperatureOf(total, rules),
  };
}

/** Adds an event and folds away the ones that no longer matter, keeping the state bounded. */
export function addEvent(b: Behaviour, e: ScoredEvent, now: number, rules: ScoringRules): Behaviour {
  const events = [...b.events, e];
  let folded = decay(b.folded.points, b.folded.at, now, rules.halfLifeDays);
  const keep: ScoredEvent[] = [];
  const overflow = events.length - rules.maxListedEvents;
  events.forEach((ev, i) => {
    const value = decay(ev.points, ev.at, now, rules.halfLifeDays);
    if (i < overflow || Math.abs(value) < rules.foldBelowPoints) folded += value;
    else keep.push(ev);
  });
  return { events: keep, folded: { points: folded, at: now } };
}

/**
 * When the score, left alone, decays below the lower edge of its current band (or below the MQL
 * threshold). All behaviour decays at one rate, so B(t) = B(now) * 2^(-(t-now)/h): closed form.
 * Returns null when the score never crosses (no positive behaviour to lose).
 */
export function nextCooling(profile: LeadProfile | LeadFeatures, b: Behaviour, now: number, rules: ScoringRules): number | null {
  const s = computeScore(profile, b, now, rules);
  const lowerEdges = [rules.bands.hot, rules.bands.warm, rules.mqlThreshold].filter((edge) => edge <= s.total);
  if (!lowerEdges.length) return null;
  const edge = Math.max(...lowerEdges);
  const behaviour = s.total - s.profile;
  const target = edge - s.profile;
  if (behaviour <= 0 || target <= 0 || behaviour < target) return null;
  // Aim just under the edge (totals are shown rounded to 0.01), then a minute of slack.
  const days = rules.halfLifeDays * Math.log2(behaviour / Math.max(target - 0.006, 1e-6));
  return now + Math.ceil(days * DAY_MS) + 60_000;
}
