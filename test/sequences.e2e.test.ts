// The five shipped sequences end to end: the real lead workflow on the time-skipping test server
// (through the preview engine, mail captured, real calendar in the lead's timezone), every path
// and every exit goal. Times are checked in Europe/Warsaw; the start is Monday 1 March 2032, 09:00.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv } from '../dev/time-skipping';
import { bucket } from '../workflows/sequences/interpreter';
import { baseProfile, entered, kinds, leadMails, leanProfile, localTime, runPreview } from './support/sequence-preview';

// One server per test: its clock only moves forward, and each test starts on 1 March 2032.
let env: TestWorkflowEnvironment;
beforeEach(async () => {
  env = await createTimeSkippingEnv();
}, 120_000);
afterEach(async () => {
  await env?.teardown();
});

const DAY = 86_400_000;
const at = (day: number, time: string, rest: Record<string, unknown>) => ({ day, time, ...rest });

describe('cold-education', () => {
  test('path: clicks the e-book -> digest a day later -> webinar on Tuesday 10:00 -> attends -> ends', async () => {
    const r = await runPreview(env, 'cold-education', {
      profile: leanProfile,
      actions: [at(0, '10:00', { do: 'email_clicked', mail: 1 }), at(20, '18:00', { do: 'webinar_attended' })],
    });
    expect(leadMails(r)).toEqual(['cold-ebook', 'cold-blog-digest', 'cold-webinar-invite']);
    expect(kinds(r, 'waitFor')[0]).toMatch(/came: onEvent/);
    expect(localTime(r, 'cold-blog-digest').toFormat('ccc d LLL HH:mm')).toBe('Tue 2 Mar 10:00'); // click + 1 day
    expect(localTime(r, 'cold-webinar-invite').toFormat('ccc d LLL HH:mm')).toBe('Tue 16 Mar 10:00'); // +7 days, then next Tuesday 10:00
    expect(r.left?.reason).toBe('attended the webinar');
    expect(localTime(r, 'cold-webinar-invite').plus({ days: 5 }).toMillis()).toBeLessThan(r.left!.at);
  });

  test('path: no click (digest after the timeout), first mail held back by quiet hours, opened later -> follow-up digest', async () => {
    const r = await runPreview(env, 'cold-education', {
      profile: leanProfile,
      start: '2032-03-01T21:00',
      actions: [at(20, '12:00', { do: 'email_opened', mail: 2 })],
    });
    expect(kinds(r, 'deferred')[0]).toMatch(/cold-ebook held back \(quiet_hours\)/);
    expect(localTime(r, 'cold-ebook').toFormat('ccc d LLL HH:mm')).toBe('Tue 2 Mar 08:00');
    expect(kinds(r, 'waitFor')[0]).toMatch(/no email_clicked\/document_downloaded in time: onTimeout/);
    expect(localTime(r, 'cold-blog-digest').toFormat('ccc d LLL HH:mm')).toBe('Tue 9 Mar 08:00'); // 4 + 3 days
    expect(localTime(r, 'cold-webinar-invite').toFormat('ccc d LLL HH:mm')).toBe('Tue 23 Mar 10:00');
    expect(kinds(r, 'branch')).toEqual(['branch "lead did email_opened within 30 days": yes -> then']);
    expect(leadMails(r)).toEqual(['cold-ebook', 'cold-blog-digest', 'cold-webinar-invite', 'cold-blog-digest']);
    expect(r.left?.reason).toBe('completed');
  });

  test('path: no engagement at all -> ends after the webinar timeout', async () => {
    const r = await runPreview(env, 'cold-education', { profile: leanProfile });
    expect(leadMails(r)).toEqual(['cold-ebook', 'cold-blog-digest', 'cold-webinar-invite']);
    expect(kinds(r, 'branch')).toEqual(['branch "lead did email_opened within 30 days": no -> else']);
    expect(r.left?.reason).toBe('no engagement in 30 days');
    expect((r.left!.at - localTime(r, 'cold-webinar-invite').toMillis()) / DAY).toBeCloseTo(21, 4);
  });

  test('exit goal: score >= 30 leaves at once (pricing visit), and the warm drip takes over', async () => {
    const r = await runPreview(env, 'cold-education', { actions: [at(0, '12:00', { do: 'email_clicked', mail: 1 }), at(0, '15:00', { do: 'page_viewed', url: '/pricing' })] });
    expect(r.left?.reason).toBe('goal: score >= 30');
    const visit = r.timeline.find((e) => e.text.startsWith('lead: page_viewed'))!;
    expect(r.left!.at - visit.at).toBeLessThan(60_000); // at once, not at the next step (the digest, day 1)
    expect(leadMails(r)[0]).toBe('cold-ebook');
    expect(leadMails(r)).not.toContain('cold-blog-digest');
    expect(entered(r)).toEqual(['cold-education', 'warm-consideration']);
  });

  test('exit goal: replied', async () => {
    const r = await runPreview(env, 'cold-education', { profile: leanProfile, actions: [at(3, '09:30', { do: 'replied', mail: 1 })] });
    expect(r.left?.reason).toBe('goal: replied/demo_booked');
    expect(leadMails(r)).toEqual(['cold-ebook']);
  });

  test('exit goal: became MQL (enrichment finds a CEO of a large company)', async () => {
    const r = await runPreview(env, 'cold-education', {
      profile: leanProfile,
      actions: [
        at(0, '10:00', { do: 'email_clicked', mail: 1 }),
        at(1, '09:00', { do: 'profile_updated', changes: { jobTitle: 'CEO', company: 'Big Co', companySize: 5000, industry: 'software', country: 'PL', phone: '+48 22 000 00 00' } }),
      ],
    });
    expect(kinds(r, 'stage')[0]).toMatch(/^stage nurturing -> mql/);
    expect(r.left?.reason).toBe('goal: became mql/sql');
  });
});

describe('warm-consideration', () => {
  const idIn = (variant: 'A' | 'B'): string => {
    for (let i = 1; ; i++) if ((bucket(`warm-${i}:warm-consideration:4`) < 50) === (variant === 'A')) return `warm-${i}`;
  };

  test('path: engages with the comparison (+5), variant A, replies to the consultation offer -> sales', async () => {
    const r = await runPreview(env, 'warm-consideration', {
      id: idIn('A'),
      actions: [at(4, '10:00', { do: 'email_clicked', mail: 2 }), at(6, '15:00', { do: 'replied', mail: 3 })],
    });
    expect(leadMails(r)).toEqual(['warm-case-study', 'warm-comparison', 'warm-consultation']);
    expect(localTime(r, 'warm-comparison').toFormat('ccc d LLL HH:mm')).toBe('Thu 4 Mar 09:00');
    expect(kinds(r, 'score')).toEqual(['adds 5 points: engaged with the comparison']);
    expect(kinds(r, 'split')[0]).toMatch(/^A\/B split: variant A /);
    expect(kinds(r, 'sales')[0]).toBe('notifies sales: asked for a consultation');
    expect(kinds(r, 'stage')).toEqual(expect.arrayContaining([expect.stringMatching(/-> sql: sequence asks for sales/), expect.stringMatching(/sql -> handed_off/)]));
    expect(r.left?.reason).toBe('completed');
    expect(r.finalStage).toBe('handed_off');
  });

  test('path: no engagement, variant B, no answer -> ends', async () => {
    const r = await runPreview(env, 'warm-consideration', { id: idIn('B') });
    // The sequence's own waits (the lead may enter the next sequence at once when this one ends).
    expect(r.timeline.filter((e) => e.kind === 'waitFor' && e.sequence === 'warm-consideration').map((e) => e.text)).toEqual(['no email_clicked/page_viewed in time: onTimeout branch', 'no replied in time: onTimeout branch']);
    expect(kinds(r, 'split')[0]).toMatch(/^A\/B split: variant B /);
    expect(leadMails(r).slice(0, 3)).toEqual(['warm-case-study', 'warm-comparison', 'warm-consultation']);
    expect(r.mails.filter((m) => m.sequence?.id === 'warm-consideration').map((m) => m.template)).toEqual(['warm-case-study', 'warm-comparison', 'warm-consultation']);
    expect(r.left?.reason).toBe('no answer to the consultation offer');
  });

  test('the split is deterministic per lead: the same lead gets the same variant again', async () => {
    const id = idIn('B');
    const a = await runPreview(env, 'warm-consideration', { id, days: 10 });
    const b = await runPreview(env, 'warm-consideration', { id, days: 10, start: '2032-06-01T09:00' });
    expect(kinds(a, 'split')).toEqual(kinds(b, 'split'));
  });

  test('exit goal: demo booked', async () => {
    const r = await runPreview(env, 'warm-consideration', { actions: [at(1, '11:00', { do: 'demo_booked' })] });
    expect(r.left?.reason).toBe('goal: demo_booked');
    expect(leadMails(r).slice(0, 1)).toEqual(['warm-case-study']);
  });

  test('exit goal: became SQL (hot through pricing, webinar and the demo page)', async () => {
    const r = await runPreview(env, 'warm-consideration', {
      actions: [at(1, '10:00', { do: 'page_viewed', url: '/pricing' }), at(1, '11:00', { do: 'webinar_attended' }), at(1, '12:00', { do: 'page_viewed', url: '/demo' })],
    });
    expect(r.left?.reason).toBe('goal: became sql/handed_off');
    expect(entered(r)).toEqual(['warm-consideration', 'hot-fast-track']);
  });
});

describe('hot-fast-track', () => {
  const ceo = { ...baseProfile, jobTitle: 'CEO', companySize: 5000, phone: '+48 22 000 00 00' };

  test('path: the lead hears from us at once and sales gets it the same day', async () => {
    const r = await runPreview(env, 'hot-fast-track', { profile: ceo, stage: 'mql', days: 3 });
    expect(leadMails(r)).toEqual(['hot-fast-track']);
    expect(localTime(r, 'hot-fast-track').toFormat('ccc d LLL HH:mm')).toBe('Mon 1 Mar 09:00');
    expect(kinds(r, 'sales')).toEqual(['notifies sales: hot lead: same-day hand-off', expect.stringMatching(/^handed to sales/)]);
    const handedOff = r.timeline.find((e) => e.text.includes('-> handed_off'))!;
    expect(handedOff.at - r.start).toBeLessThan(DAY);
    expect(r.mails.find((m) => m.template === 'manager-new-lead')?.to).toBe('sales@preview.invalid');
    expect(r.left?.reason).toBe('completed');
  });

  test('exit goal: already handed off (an SQL lead is routed before the mail goes out)', async () => {
    const r = await runPreview(env, 'hot-fast-track', { profile: ceo, stage: 'sql', days: 3 });
    expect(r.left?.reason).toBe('goal: became handed_off/client');
    expect(leadMails(r)).toEqual([]);
  });
});

describe('farewell-survey', () => {
  test('path: answers the survey -> deferred demand (keep-in-touch begins)', async () => {
    const r = await runPreview(env, 'farewell-survey', { stage: 'rejected', days: 20, actions: [at(2, '10:00', { do: 'survey_answered', data: { reason: 'bad_timing' } })] });
    expect(leadMails(r)).toEqual(['farewell']);
    expect(kinds(r, 'waitFor')).toEqual(['the awaited survey_answered came: onEvent branch']);
    expect(kinds(r, 'stage')).toEqual([expect.stringMatching(/^stage rejected -> deferred: sequence farewell-survey: farewell done/)]);
    expect(r.left?.reason).toBe('completed');
    expect(entered(r)).toEqual(['farewell-survey', 'deferred-keep-in-touch']);
  });

  test('path: no answer -> one reminder after 7 days -> deferred', async () => {
    const r = await runPreview(env, 'farewell-survey', { stage: 'rejected', days: 20 });
    expect(leadMails(r)).toEqual(['farewell', 'farewell-survey-reminder']);
    expect(localTime(r, 'farewell-survey-reminder').diff(localTime(r, 'farewell'), 'days').days).toBeCloseTo(7, 4);
    expect(r.left?.reason).toBe('completed');
    expect(r.finalStage).toBe('deferred');
  });
});

describe('deferred-keep-in-touch', () => {
  test('path: two editions, each on a Wednesday 10:00 lead time, about two months apart', async () => {
    const r = await runPreview(env, 'deferred-keep-in-touch', { stage: 'deferred', days: 180 });
    const editions = r.mails.filter((m) => m.template === 'deferred-keep-in-touch');
    expect(editions).toHaveLength(2);
    expect(localTime(r, 'deferred-keep-in-touch', 0).toFormat('ccc d LLL HH:mm')).toBe('Wed 5 May 10:00'); // 60 days -> Fri 30 Apr -> next Wednesday
    expect(localTime(r, 'deferred-keep-in-touch', 1).toFormat('ccc d LLL HH:mm')).toBe('Wed 7 Jul 10:00');
    expect(leadMails(r)).toEqual(expect.arrayContaining(['holiday-greeting'])); // the deferred base also greets (Easter, 3 May)
    expect(r.left?.reason).toBe('completed');
  });

  test('exit goal: replied', async () => {
    const r = await runPreview(env, 'deferred-keep-in-touch', { stage: 'deferred', days: 30, actions: [at(10, '10:00', { do: 'replied' })] });
    expect(r.left?.reason).toBe('goal: replied/demo_booked');
    expect(r.mails.filter((m) => m.template === 'deferred-keep-in-touch')).toEqual([]);
  });

  test('exit: renewed interest (pricing and demo pages) goes straight back to sales', async () => {
    const r = await runPreview(env, 'deferred-keep-in-touch', {
      stage: 'deferred',
      days: 30,
      actions: [at(10, '10:00', { do: 'page_viewed', url: '/pricing' }), at(10, '10:05', { do: 'page_viewed', url: '/demo' })],
    });
    // Buying signals (the scoring rules' list) re-qualify the lead for sales at once.
    expect(r.left?.reason).toBe('re-qualification');
    expect(kinds(r, 'stage')[0]).toMatch(/^stage deferred -> sql: deferred lead showed interest: pricing visit/);
  });
});
