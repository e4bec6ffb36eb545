// The scoring module is pure: profile points, behaviour points with half-life decay, bands, folding,
// and the closed-form time at which a lead cools into a lower band.
import { addEvent, computeScore, decay, emptyBehaviour, eventPoints, nextCooling, profileScore } from '../workflows/qualification/scoring';
import { scoringRules as rules } from '../content/scoring-rules';
import type { LeadProfile } from '../workflows/types';

const DAY = 86_400_000;
const T0 = Date.UTC(2027, 0, 1);
const profile: LeadProfile = { email: 'a@b.test', firstName: 'A', locale: 'en', timezone: 'UTC', source: 'web_form', consent: 'confirmed' };

test('profile points: best seniority keyword, company size band, industry, completeness', () => {
  const p = profileScore({ ...profile, jobTitle: 'VP Sales & Head of Growth', companySize: 300, industry: 'SaaS', company: 'X' }, rules);
  expect(p.parts).toEqual([
    { rule: 'job title "vp"', points: 12 },
    { rule: 'company size >= 250', points: 12 },
    { rule: 'industry saas', points: 6 },
    { rule: 'desired fields: company, jobTitle, companySize, industry', points: 4 },
  ]);
  expect(p.total).toBe(34);
  const missing = profileScore({ ...profile, firstName: undefined }, rules);
  expect(missing.parts).toEqual([{ rule: 'missing required: firstName', points: -5 }]);
});

test('pricing page counts more than a blog page; unknown paths use the event points', () => {
  expect(eventPoints({ type: 'page_viewed', data: { url: 'https://x.test/pricing?plan=pro' } }, rules)).toBe(12);
  expect(eventPoints({ type: 'page_viewed', data: { url: '/blog/post' } }, rules)).toBe(1);
  expect(eventPoints({ type: 'page_viewed', data: { url: '/about' } }, rules)).toBe(rules.events.page_viewed);
  expect(eventPoints({ type: 'unsubscribed' }, rules)).toBeLessThan(0);
});

test('behaviour halves every half-life; temperature follows the bands', () => {
  expect(decay(40, T0, T0 + 30 * DAY, 30)).toBeCloseTo(20);
  expect(decay(40, T0, T0 + 60 * DAY, 30)).toBeCloseTo(10);
  let b = emptyBehaviour(T0);
  b = addEvent(b, { id: '1', type: 'demo_booked', at: T0, points: 30 }, T0, rules);
  b = addEvent(b, { id: '2', type: 'replied', at: T0, points: 20 }, T0, rules);
  b = addEvent(b, { id: '3', type: 'webinar_attended', at: T0, points: 15 }, T0, rules);
  expect(computeScore(profile, b, T0, rules)).toMatchObject({ total: 65, temperature: 'hot' });
  expect(computeScore(profile, b, T0 + 30 * DAY, rules)).toMatchObject({ total: 32.5, temperature: 'warm' });
  expect(computeScore(profile, b, T0 + 90 * DAY, rules).temperature).toBe('cold');
});

test('old, tiny events fold into one number: state stays bounded, the total is unchanged', () => {
  let b = emptyBehaviour(T0);
  for (let i = 0; i < 500; i++) b = addEvent(b, { id: `e${i}`, type: 'email_opened', at: T0 + i * DAY, points: 1 }, T0 + i * DAY, rules);
  const now = T0 + 499 * DAY;
  expect(b.events.length).toBeLessThanOrEqual(rules.maxListedEvents);
  // Closed form of the sum of a geometric series of 1-point events, one a day.
  const r = Math.pow(0.5, 1 / 30);
  const expected = (1 - Math.pow(r, 500)) / (1 - r);
  expect(computeScore(profile, b, now, rules).behaviour).toBeCloseTo(expected, 1);
});

test('nextCooling gives the moment the score drops below its band edge', () => {
  let b = emptyBehaviour(T0);
  b = addEvent(b, { id: '1', type: 'demo_booked', at: T0, points: 70 }, T0, rules);
  const p = { ...profile, firstName: 'A' };
  const at = nextCooling(p, b, T0, rules)!;
  expect(computeScore(p, b, at - 30 * 60_000, rules).temperature).toBe('hot');
  expect(computeScore(p, b, at, rules).temperature).toBe('warm');
  expect(computeScore(p, b, at, rules).total).toBeLessThan(rules.bands.hot);
  // Below every edge and with no behaviour left to lose: never.
  expect(nextCooling(p, emptyBehaviour(T0), T0, rules)).toBeNull();
});
