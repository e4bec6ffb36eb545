// Templates: every template renders in every locale, variables are escaped, a missing variable is an
// error, and lint catches a template that uses an undeclared variable.
import { z } from 'zod';
import { lintTemplates } from '../domain/mail/lint';
import { render, TemplateError } from '../domain/mail/render';
import { LOCALES, TEMPLATES, TEMPLATE_IDS } from '../domain/mail/templates';

const system = { companyName: 'Acme', companyAddress: '1 Main St', unsubscribeUrl: 'https://x.test/u/t', openUrl: 'https://x.test/o/t', ctaUrl: 'https://x.test/go', surveyUrl: 'https://x.test/s', locale: 'en' };
const sample: Record<string, string | number> = {
  firstName: 'Ola', company: 'Acme', holiday: 'Easter', offerTitle: 'Spring offer', offerText: '20% off', offerPath: '/spring',
  leadName: 'Ola Nowak', leadEmail: 'ola@x.test', source: 'web_form', score: 61, temperature: 'hot', bant: 'budget: yes', acceptBy: '2027-01-01T10:00:00Z', misses: 2, lastManager: 'anna@x.test',
  taskId: 'task-1', why: 'knew the lead before', refusal: 'no_budget (by sales, 2027-01-10)', behaviourSince: 'page viewed ×2',
  leadId: 'lead-1', acceptUrl: 'https://x.test/handoff/a', sendBackUrl: 'https://x.test/handoff/b',
};

test('the shipped templates pass lint', async () => {
  expect(await lintTemplates()).toEqual([]);
});

test.each(LOCALES)('every template renders in %s with both parts and the unsubscribe link', async (locale) => {
  for (const id of TEMPLATE_IDS) {
    const m = await render(id, locale, { ...sample, ...system });
    expect(m.locale).toBe(locale);
    expect(m.subject).not.toMatch(/[\r\n{}]/);
    expect(m.html).toContain('https://x.test/u/t');
    expect(m.text.length).toBeGreaterThan(50);
    expect(m.html).not.toMatch(/\{\{/);
  }
});

test('unknown locales fall back to English; strings differ per locale', async () => {
  expect((await render('cold-ebook', 'fr-FR', system)).locale).toBe('en');
  const subjects = await Promise.all(LOCALES.map(async (l) => (await render('cold-ebook', l, system)).subject));
  expect(new Set(subjects).size).toBe(4);
});

test('variables are HTML-escaped in the HTML part', async () => {
  const m = await render('farewell', 'en', { ...system, firstName: '<img src=x onerror=alert(1)>' });
  expect(m.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  expect(m.html).not.toContain('<img src=x');
});

test('a subject variable with a line break is refused (header injection), in the body it is only text', async () => {
  await expect(render('holiday-greeting', 'en', { ...system, holiday: 'Easter\r\nBcc: victim@x.test' })).rejects.toThrow(/variable "holiday" contains a line break/);
  await expect(render('offer', 'pl', { ...system, offerTitle: 'Spring\noffer', offerText: 'x', offerPath: '/s' })).rejects.toThrow(TemplateError);
  const m = await render('offer', 'en', { ...system, offerTitle: 'Spring offer', offerText: 'line one\nline two', offerPath: '/s' });
  expect(m.subject).toBe('Spring offer');
  expect(m.text).toContain('line one');
});

test('a required variable that is missing is an error, not a blank', async () => {
  await expect(render('holiday-greeting', 'en', system)).rejects.toThrow(TemplateError);
  await expect(render('holiday-greeting', 'en', system)).rejects.toThrow(/variable "holiday" is missing/);
});

test('lint reports a template that uses a variable it does not declare', async () => {
  const broken = { ...TEMPLATES, 'holiday-greeting': { ...TEMPLATES['holiday-greeting'], variables: z.object({ firstName: z.string().nullable().optional() }) } };
  const problems = await lintTemplates(broken);
  expect(problems).toContain('holiday-greeting/en: uses {{holiday}}, which the template does not declare');
  expect(problems.filter((p) => p.startsWith('holiday-greeting/'))).toHaveLength(4);
});

test('lint reports an optional variable used without a fallback, and a required variable no locale uses', async () => {
  const broken = {
    'holiday-greeting': { ...TEMPLATES['holiday-greeting'], variables: z.object({ firstName: z.string().nullable().optional(), company: z.string().nullable().optional(), holiday: z.string().optional() }) },
    'cold-ebook': { ...TEMPLATES['cold-ebook'], variables: z.object({ firstName: z.string().nullable().optional(), company: z.string().nullable().optional(), coupon: z.string().min(1) }) },
  };
  const problems = await lintTemplates(broken);
  expect(problems).toContain('holiday-greeting/pl: uses {{holiday}} without a fallback, but the variable is optional (write {{holiday|fallback}} or require it)');
  expect(problems).toContain('cold-ebook: requires variable "coupon", which no locale uses');
  expect(problems).toHaveLength(5);
});
