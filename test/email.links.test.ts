// Signed links (what the public /u /o /c /survey /confirm routes verify) and the pure send-time rules.
import fc from 'fast-check';
import { signLink, verifyLink } from '../domain/mail/links';
import { capUntil, consentDecision, quietUntil } from '../domain/mail/policy';

const SECRET = 's'.repeat(40);

test('a signed link verifies for its kind and secret only, and expires', () => {
  const t = signLink('survey', { l: 'lead-1' }, SECRET, 60_000, 1_000);
  expect(verifyLink('survey', t, SECRET, 30_000)).toEqual({ ok: true, payload: { l: 'lead-1' } });
  expect(verifyLink('survey', t, SECRET, 61_001)).toEqual({ ok: false, reason: 'expired' });
  expect(verifyLink('confirm', t, SECRET, 30_000)).toEqual({ ok: false, reason: 'forged' });
  expect(verifyLink('survey', t, 'o'.repeat(40), 30_000)).toEqual({ ok: false, reason: 'forged' });
  expect(verifyLink('survey', 'garbage', SECRET)).toEqual({ ok: false, reason: 'malformed' });
  // Without a ttl (unsubscribe) a link keeps working.
  expect(verifyLink('u', signLink('u', { l: 'x' }, SECRET), SECRET, Number.MAX_SAFE_INTEGER).ok).toBe(true);
});

test('a token verifies for any URL, and any one-character change invalidates it (property)', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 200 }), fc.nat(), (url, pos) => {
      const t = signLink('c', { k: 'key', l: 'lead', u: url }, SECRET);
      expect(verifyLink('c', t, SECRET)).toEqual({ ok: true, payload: { k: 'key', l: 'lead', u: url } });
      const i = pos % t.length;
      const changed = t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
      expect(verifyLink('c', changed, SECRET).ok).toBe(false);
    }),
  );
});

test('quiet hours are judged in the lead\'s zone, across midnight and DST', () => {
  const q = { start: '20:00', end: '08:00' };
  expect(quietUntil(new Date('2027-03-10T12:00:00Z'), 'Europe/Warsaw', q)).toBeNull();
  // 01:30 in Warsaw on the night clocks go forward (28 March 2027): free at 08:00 CEST = 06:00Z.
  expect(quietUntil(new Date('2027-03-28T00:30:00Z'), 'Europe/Warsaw', q)).toEqual(new Date('2027-03-28T06:00:00Z'));
  // 22:00 in New York: free at 08:00 next morning local.
  expect(quietUntil(new Date('2027-01-15T03:00:00Z'), 'America/New_York', q)).toEqual(new Date('2027-01-15T13:00:00Z'));
  // A window inside one day (12:00-13:00) and an unknown zone (judged in UTC).
  expect(quietUntil(new Date('2027-01-15T12:30:00Z'), 'Not/AZone', { start: '12:00', end: '13:00' })).toEqual(new Date('2027-01-15T13:00:00Z'));
});

test('the frequency cap frees when the oldest counted send leaves the window', () => {
  const at = new Date('2027-03-10T00:00:00Z');
  const d = (s: string) => new Date(s);
  expect(capUntil(at, [d('2027-03-09T00:00:00Z')], { max: 2, days: 7 })).toBeNull();
  expect(capUntil(at, [d('2027-03-09T00:00:00Z'), d('2027-03-05T00:00:00Z'), d('2027-03-01T00:00:00Z')], { max: 2, days: 7 })).toEqual(d('2027-03-12T00:00:01Z'));
  // Sends older than the window do not count.
  expect(capUntil(at, [d('2027-03-09T00:00:00Z'), d('2027-03-02T23:59:59Z')], { max: 2, days: 7 })).toBeNull();
});

test('marketing consent: confirmed and not_required only', () => {
  expect(['confirmed', 'not_required', 'pending', 'unknown', 'withdrawn'].map(consentDecision)).toEqual(['allowed', 'allowed', 'pending', 'pending', 'refused']);
});

test('quiet hours stay exact next to a DST change after the zone\'s offset was remembered', () => {
  const q = { start: '20:00', end: '08:00' };
  // 23:00 in Warsaw (CET) the evening before clocks go forward: quiet until 08:00, by then CEST = 06:00Z.
  expect(quietUntil(new Date('2027-03-27T22:00:00Z'), 'Europe/Warsaw', q)).toEqual(new Date('2027-03-28T06:00:00Z'));
  // 19:59 CET that evening, same 6-hour slot: allowed.
  expect(quietUntil(new Date('2027-03-27T18:59:00Z'), 'Europe/Warsaw', q)).toBeNull();
  // 05:30Z is 07:30 CEST (after the 01:00Z change): still quiet, free at 08:00 CEST = 06:00Z.
  expect(quietUntil(new Date('2027-03-28T05:30:00Z'), 'Europe/Warsaw', q)).toEqual(new Date('2027-03-28T06:00:00Z'));
  // 06:30Z is 08:30 CEST: allowed (in CET it would still be 07:30, quiet).
  expect(quietUntil(new Date('2027-03-28T06:30:00Z'), 'Europe/Warsaw', q)).toBeNull();
  // Same 6-hour slot twice (the remembered offset), then the autumn change back.
  expect(quietUntil(new Date('2027-10-31T00:30:00Z'), 'Europe/Warsaw', q)).toEqual(new Date('2027-10-31T07:00:00Z'));
  expect(quietUntil(new Date('2027-10-31T06:30:00Z'), 'Europe/Warsaw', q)).toEqual(new Date('2027-10-31T07:00:00Z'));
  expect(quietUntil(new Date('2027-10-31T07:00:00Z'), 'Europe/Warsaw', q)).toBeNull();
});
