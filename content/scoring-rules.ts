// The scoring rules that ship: typed content, validated and published as a ruleset version at worker
// start (activities/content); leads load the current version through a recorded activity.
// Tuned so that a cold lead needs a few real signals of interest to become warm and a pricing visit
// plus a reply or demo request to become hot; behaviour halves every 30 days.
import type { ScoringRules } from '../workflows/qualification/scoring';

export const scoringRules: ScoringRules = {
  events: {
    email_opened: 1,
    email_clicked: 4,
    page_viewed: 2,
    document_downloaded: 8,
    form_submitted: 10,
    webinar_attended: 15,
    demo_booked: 30,
    replied: 20,
    unsubscribed: -30,
    bounced: -10,
    consent_confirmed: 2,
    sales_rejected: 0,
    deal_won: 0,
    survey_answered: 3,
  },
  pages: [
    { prefix: '/pricing', points: 12 },
    { prefix: '/demo', points: 15 },
    { prefix: '/case-studies', points: 5 },
    { prefix: '/blog', points: 1 },
  ],
  halfLifeDays: 30,
  profile: {
    seniority: [
      { keyword: 'ceo', points: 15 },
      { keyword: 'founder', points: 15 },
      { keyword: 'owner', points: 12 },
      { keyword: 'vp', points: 12 },
      { keyword: 'director', points: 10 },
      { keyword: 'head', points: 10 },
      { keyword: 'manager', points: 5 },
      { keyword: 'student', points: -10 },
    ],
    companySize: [
      { min: 1, points: 0 },
      { min: 10, points: 4 },
      { min: 50, points: 8 },
      { min: 250, points: 12 },
      { min: 1000, points: 15 },
    ],
    industries: { software: 6, saas: 6, manufacturing: 4, retail: 3, finance: 5, education: -2 },
    requiredFields: ['email', 'firstName'],
    desiredFields: ['company', 'jobTitle', 'phone', 'companySize', 'industry', 'country'],
    pointsPerDesiredField: 1,
    missingRequiredPenalty: 5,
  },
  bands: { warm: 30, hot: 60 },
  mqlThreshold: 45,
  // Never a blog view or an open: those are habits, not intent.
  buyingSignals: {
    signals: [
      { event: 'page_viewed', urlPrefix: '/pricing', label: 'pricing visit' },
      { event: 'page_viewed', urlPrefix: '/demo', label: 'demo page visit' },
      { event: 'demo_booked', label: 'demo request' },
      { event: 'replied', label: 'reply' },
    ],
    needed: 1,
  },
  foldBelowPoints: 0.5,
  maxListedEvents: 100,
};
