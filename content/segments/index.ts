// Every segment that ships with the worker, published as content at start (domain/content/shipped.ts).
import { defineSegment, type SegmentDefinition } from '../../workflows/segments/define';

export const segments: SegmentDefinition[] = [
  defineSegment({
    id: 'polish-trials',
    version: 1,
    name: 'Polish trial users',
    description: 'Leads in Poland on a trial plan who were active in the last 30 days.',
    where: { all: [{ country: ['PL'] }, { custom: 'plan', is: { in: ['trial'] } }, { lastActivity: { within: '30 days' } }] },
  }),
  defineSegment({
    id: 'webinar-campaign-warm',
    version: 1,
    name: 'Warm leads from the webinar campaign',
    description: 'Warm or hot leads that came through the spring webinar campaign or a LinkedIn ad.',
    where: { all: [{ temperature: ['warm', 'hot'] }, { any: [{ campaign: ['spring-webinar'] }, { utm: { source: ['linkedin'] } }] }] },
  }),
  defineSegment({
    id: 'big-teams',
    version: 1,
    name: 'Big teams',
    description: 'Companies of 200+ people or leads that need 50+ seats, score 20 or more.',
    where: { all: [{ any: [{ field: 'companySize', is: { gte: 200 } }, { custom: 'seats', is: { gte: 50 } }] }, { score: { gte: 20 } }] },
  }),
];
