// The pages' words come from the mails' locale files (templates/locales/<locale>.json, pages.<page>):
// every locale has every word of every page itself; a word nowhere to be found is an error naming
// the file and the key; a word a locale lacks is taken from English, as in the mails.
import { z } from 'zod';
import { handoffWords, handoffWordsSchema } from '../api/handoff-words';
import { pageWords, readPageWords } from '../api/page-words';
import { surveyWords, surveyWordsSchema } from '../api/survey-words';
import { localeStrings } from '../domain/mail/render';
import { LOCALES, type Locale } from '../domain/mail/templates';

const pages = [
  ['survey', surveyWordsSchema],
  ['handoff', handoffWordsSchema],
] as const;

test.each(LOCALES)('%s has every word of every page in its own file', (locale) => {
  for (const [page, schema] of pages) expect(() => readPageWords(page, schema, locale, { fallback: false })).not.toThrow();
  // Its own words, not English ones (en is the reference).
  if (locale !== 'en') {
    expect(surveyWords(locale).title).not.toBe(surveyWords('en').title);
    expect(handoffWords(locale).closed.other).not.toBe(handoffWords('en').closed.other);
  }
});

test('the pages read what the locale files say', () => {
  expect(surveyWords('pl').reason.legend).toBe('Jaki był główny powód?');
  expect(handoffWords('el').acceptTitle).toBe('Αποδοχή αυτής της επαφής;');
  // Checked once per schema and locale: the same object again.
  expect(surveyWords('ru')).toBe(surveyWords('ru'));
});

test('a word missing everywhere is an error naming the file and the key', () => {
  const more = surveyWordsSchema.extend({ farewell: z.string() });
  expect(() => pageWords('survey', more, 'pl')).toThrow('templates/locales/pl.json: no string for "pages.survey.farewell" (nor in templates/locales/en.json)');
  expect(() => pageWords('survey', more, 'en')).toThrow(/templates\/locales\/en\.json: no string for "pages\.survey\.farewell"$/);
  expect(() => pageWords('nowhere', handoffWordsSchema, 'ru')).toThrow('templates/locales/ru.json: no string for "pages.nowhere.acceptTitle"');
});

/** The shipped locale files, with some of pl's words taken out or spoiled. */
const editedPl =
  (edit: (words: Record<string, unknown>) => void) =>
  (locale: Locale): Record<string, unknown> => {
    const strings = localeStrings(locale);
    if (locale !== 'pl') return strings;
    const pagesCopy = structuredClone(strings.pages) as Record<string, Record<string, unknown>>;
    edit(pagesCopy.survey);
    return { ...strings, pages: pagesCopy };
  };

test('a word a locale lacks comes from English, key by key; without fallback it names the file and key', () => {
  const load = editedPl((w) => {
    delete w.title;
    delete (w.reason as Record<string, unknown>).other;
  });
  const w = readPageWords('survey', surveyWordsSchema, 'pl', { load });
  expect(w.title).toBe('Why not now?');
  expect(w.reason.other).toBe('Something else');
  expect(w.reason.legend).toBe('Jaki był główny powód?');
  expect(w.intro).toBe(surveyWords('pl').intro);
  expect(() => readPageWords('survey', surveyWordsSchema, 'pl', { load, fallback: false })).toThrow(
    'templates/locales/pl.json: no string for "pages.survey.title"; templates/locales/pl.json: no string for "pages.survey.reason.other"',
  );
});

test('a spoiled or unknown word names the file it is in', () => {
  const load = editedPl((w) => {
    w.submit = '';
    w.sumbit = 'Wyślij';
  });
  expect(() => readPageWords('survey', surveyWordsSchema, 'pl', { load })).toThrow(/templates\/locales\/pl\.json: "pages\.survey\.submit": Too small.*templates\/locales\/pl\.json: "pages\.survey\.sumbit": not a word of this page/);
});
