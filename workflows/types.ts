// Domain types shared by the workflow bundle, activities, API and tests. Pure types and constant
// lists only: this file is imported by workflow code, so it must stay free of I/O and heavy libs.

export const STAGES = [
  'new',
  'nurturing',
  'mql',
  'sql',
  'handed_off',
  'client',
  'rejected',
  'deferred',
  'unsubscribed',
  'erased',
] as const;
export type Stage = (typeof STAGES)[number];

/** Stages a lead never leaves. */
export const FINAL_STAGES: readonly Stage[] = ['client', 'unsubscribed', 'erased'];

export const TEMPERATURES = ['cold', 'warm', 'hot'] as const;
export type Temperature = (typeof TEMPERATURES)[number];

/** Behaviour and outside facts, delivered to the lead workflow as the `leadEvent` signal. */
export const LEAD_EVENT_TYPES = [
  'email_opened',
  'email_clicked',
  'page_viewed',
  'document_downloaded',
  'form_submitted',
  'webinar_attended',
  'demo_booked',
  'replied',
  'unsubscribed',
  'bounced',
  'consent_confirmed',
  'sales_rejected',
  'deal_won',
  'survey_answered',
] as const;
export type LeadEventType = (typeof LEAD_EVENT_TYPES)[number];

export type EventData = Record<string, string | number | boolean | null>;

export interface LeadEventSignal {
  /** Idempotency id: the same id counts once, however often it is delivered. */
  id: string;
  type: LeadEventType;
  /** ISO time the event happened; defaults to the time the workflow received it. */
  at?: string;
  /** e.g. { url: '/pricing' } for page_viewed, { template: 'webinar-invite' } for clicks. */
  data?: EventData;
}

export const REJECTION_REASONS = [
  'no_budget',
  'bad_timing',
  'chose_competitor',
  'not_relevant',
  'no_authority',
  'no_response',
  'other',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];
/** What a lead can answer on the farewell survey: every rejection reason but the one only sales records. */
export type SurveyReason = Exclude<RejectionReason, 'no_response'>;
export const SURVEY_REASONS = REJECTION_REASONS.filter((r): r is SurveyReason => r !== 'no_response') as [SurveyReason, ...SurveyReason[]];

export interface LeadProfile {
  email: string;
  firstName?: string;
  lastName?: string;
  company?: string;
  companySize?: number;
  industry?: string;
  jobTitle?: string;
  phone?: string;
  website?: string;
  locale: string;
  timezone: string;
  country?: string;
  source: string;
  campaignId?: string;
  /** Double opt-in state; marketing mail is sent only when `confirmed` or `not_required`. */
  consent: 'unknown' | 'pending' | 'confirmed' | 'withdrawn' | 'not_required';
}

/** The profile fields a sequence's condition may look at. */
export type ProfileField = keyof Omit<LeadProfile, 'consent'>;

/** Contact data: read from the database by the activities that need it, never held by a workflow. */
export const CONTACT_FIELDS = ['email', 'firstName', 'lastName', 'company', 'phone', 'website'] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

/**
 * What the lead workflow knows of a person: the features scoring, routing and sequences use, and
 * which profile fields were given (`filled`, for the completeness rules), but no contact data.
 */
export type LeadFeatures = Omit<LeadProfile, ContactField> & { filled: (keyof LeadProfile)[] };

export const BANT_KEYS = ['budget', 'authority', 'need', 'timing'] as const;
export type BantKey = (typeof BANT_KEYS)[number];
export interface BantAnswer {
  passed: boolean;
  note?: string;
  at: string;
}
export type Bant = Partial<Record<BantKey, BantAnswer>>;

export interface ClientDeal {
  dealValue: number;
  grossMargin: number;
  currency: string;
  managerId?: string;
  note?: string;
}
