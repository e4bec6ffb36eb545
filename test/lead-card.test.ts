// The manager's lead card is clipped where it is built (workflows/lead-card.ts): whatever the lead's
// stored profile, pages and score lines, its variables pass the template's schema and the card
// renders, subject included (no line break reaches a header). Five UTM-tagged URLs of 1,900
// characters each used to make a 9,500-character "Pages visited" line and a non-retryable failure;
// the card now lists the pages without their campaign tags, each clipped, the line within its limit.
import fc from 'fast-check';
import { render } from '../domain/mail/render';
import { TEMPLATES } from '../domain/mail/templates';
import { CARD_LIMITS, leadCard, pageOf, type CardInput } from '../workflows/handoff/card';
import { CONTROL_CHARACTERS, joinClipped, oneLine } from '../workflows/one-line';

const system = { companyName: 'Acme', companyAddress: '1 Main St', unsubscribeUrl: 'mailto:x@x.test', openUrl: 'data:,', ctaUrl: 'https://x.test/', locale: 'en', leadId: 'L1', acceptUrl: 'https://x.test/handoff/a', sendBackUrl: 'https://x.test/handoff/b' };
const utmUrl = (i: number): string => `/pricing/plan-${i}?utm_source=newsletter&utm_medium=email&utm_campaign=${'spring-launch-'.repeat(130)}&utm_content=${i}`;

const base: CardInput = {
  profile: { email: 'eve@acme.test', firstName: 'Eve', lastName: 'Nowak', company: 'Acme', jobTitle: 'CEO', phone: '+48 22 123 45 67', source: 'web_form' },
  score: 72,
  temperature: 'hot',
  scoreEvents: [{ type: 'demo_booked', points: 30, decayed: 30 }],
  pageViews: [],
  bant: { budget: { passed: true, at: '2026-12-01T10:00:00Z' } },
};

test('five long UTM URLs: the pages line shows the pages without their campaign tags, and the card renders', async () => {
  const urls = [1, 2, 3, 4, 5].map(utmUrl);
  expect(urls.every((u) => u.length > 1800)).toBe(true);
  const card = leadCard({ ...base, pageViews: urls.map((url) => ({ url })) });
  expect(card.activity).toBe('/pricing/plan-1, /pricing/plan-2, /pricing/plan-3, /pricing/plan-4, /pricing/plan-5');
  expect(TEMPLATES['manager-new-lead'].variables.safeParse({ ...card, acceptBy: 'Mon' }).success).toBe(true);
  const mail = await render('manager-new-lead', 'en', { ...card, acceptBy: 'Mon, 7 Dec 2026, 12:00 CET', ...system });
  expect(mail.text).toContain('/pricing/plan-5');
});

test('five long URLs of other kinds: each clipped, the line within the limit, what does not fit counted', () => {
  const urls = [1, 2, 3, 4, 5].map((i) => `/search/${i}?q=${'lead nurturing '.repeat(120)}&ref=${i}&utm_source=x`);
  const card = leadCard({ ...base, pageViews: urls.map((url) => ({ url })) });
  const activity = card.activity as string;
  expect(activity.length).toBeLessThanOrEqual(CARD_LIMITS.list);
  expect(activity.split(', /search/')).toHaveLength(5);
  expect(activity).toMatch(/^\/search\/1\?q=lead nurturing .*…, \/search\/2/);
  expect(activity).not.toContain('utm_source');
  const many = leadCard({ ...base, pageViews: [...urls, ...urls, ...urls].map((url) => ({ url })) });
  expect((many.activity as string).length).toBeLessThanOrEqual(CARD_LIMITS.list);
  expect(pageOf('/pricing?utm_source=a&plan=pro&UTM_medium=b')).toBe('/pricing?plan=pro');
  expect(pageOf('/pricing?utm_source=a')).toBe('/pricing');
  expect(pageOf('/pricing')).toBe('/pricing');
});

test('a line break in a stored name or company becomes a space: the subject renders', async () => {
  const card = leadCard({ ...base, profile: { ...base.profile, firstName: 'Eve\r\nBcc: x@evil.test', company: 'Acme\u2028Ltd\t' } });
  expect(card.leadName).toBe('Eve Bcc: x@evil.test Nowak');
  expect(card.company).toBe('Acme Ltd');
  const mail = await render('manager-new-lead', 'en', { ...card, acceptBy: 'Mon', ...system });
  expect(mail.subject).not.toMatch(/[\r\n]/);
});

test('any profile, pages and score lines: the variables always pass the schema of every card template', () => {
  const text = fc.string({ unit: 'binary', maxLength: 3000 });
  fc.assert(
    fc.property(
      fc.record({ firstName: fc.option(text, { nil: undefined }), lastName: fc.option(text, { nil: undefined }), company: fc.option(text, { nil: undefined }), jobTitle: fc.option(text, { nil: undefined }), phone: fc.option(text, { nil: undefined }) }),
      fc.array(text, { maxLength: 8 }),
      fc.array(fc.record({ type: fc.constantFrom('page_viewed', 'email_clicked', 'replied'), points: fc.integer({ min: -50, max: 50 }), decayed: fc.double({ noNaN: true }) }), { maxLength: 30 }),
      (profile, pages, events) => {
        const card = leadCard({ ...base, profile: { ...base.profile, ...profile }, pageViews: pages.map((url) => ({ url })), scoreEvents: events });
        for (const id of ['manager-new-lead', 'manager-sla-reminder'] as const) expect(TEMPLATES[id].variables.safeParse({ ...card, acceptBy: 'Mon' }).success).toBe(true);
        for (const v of Object.values(card)) if (typeof v === 'string') expect(v).not.toMatch(CONTROL_CHARACTERS);
      },
    ),
    { numRuns: 300 },
  );
});

test('oneLine and joinClipped: cut with an ellipsis, never inside an emoji; the rest counted', () => {
  expect(oneLine('a\r\n\tb', 10)).toBe('a b');
  expect(oneLine('abcdef', 4)).toBe('abc…');
  const cut = oneLine(`ab${'😀'.repeat(5)}`, 4);
  expect(cut).toBe('ab…');
  expect(joinClipped(['x'.repeat(50), 'y'.repeat(50), 'z'.repeat(50)], ', ', 120)).toBe(`${'x'.repeat(50)}, ${'y'.repeat(50)}, +1 more`);
});
