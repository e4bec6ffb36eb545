// Cold leads: teach before selling. E-book, then a blog digest, then a webinar invitation sent on a
// Tuesday morning in the lead's timezone; a reader who clicks gets the follow-up sooner.
import { defineSequence, goal, send, wait, waitFor, waitUntil, branch, end, type SequenceModule } from '../../workflows/sequences/dsl';

export const coldEducation: SequenceModule = {
  current: defineSequence({
    id: 'cold-education',
    version: 1,
    name: 'Cold lead education drip',
    description: 'E-book, blog digest and webinar invitation for cold leads; leaves once the lead warms up.',
    entry: { stages: ['nurturing'], temperatures: ['cold'], reentry: false, priority: 10 },
    goals: [goal.stage('mql', 'sql'), goal.score(30), goal.event(['replied', 'demo_booked'])],
    steps: [
      send('cold-ebook'),
      waitFor(['email_clicked', 'document_downloaded'], '4 days', {
        onEvent: [wait('1 day')],
        onTimeout: [wait('3 days')],
      }),
      send('cold-blog-digest'),
      wait('7 days'),
      waitUntil({ weekdays: [2], time: '10:00', minDaysAhead: 1 }),
      send('cold-webinar-invite'),
      waitFor(['webinar_attended'], '21 days', {
        onEvent: [end('attended the webinar')],
        onTimeout: [branch({ did: 'email_opened', within: '30 days' }, [send('cold-blog-digest', { variables: { edition: 'follow-up' } })], [end('no engagement in 30 days')])],
      }),
    ],
  }),
};
