// Segments written as data, next to the sequences (content/segments): who a sequence takes in and who an offer reaches,
// by any lead field, channel, campaign, UTM, score, temperature, last activity, country, locale and
// the team's custom fields (content/custom-fields.ts). Published as immutable versions (activities/content)
// and evaluated against the database by activities (domain/segments/query.ts: a parameterised query),
// never in workflow code: a lead's personal data stays out of workflow inputs and state.
import type { Temperature } from '../types';

/** Lead columns a segment may compare (profile and acquisition; never the e-mail address). */
export const SEGMENT_FIELDS = ['firstName', 'lastName', 'company', 'companySize', 'industry', 'jobTitle', 'website', 'country', 'locale', 'timezone', 'source', 'campaignId', 'stage'] as const;
export type SegmentField = (typeof SEGMENT_FIELDS)[number];
export const UTM_KEYS = ['source', 'medium', 'campaign', 'term', 'content'] as const;

export type Value = string | number | boolean;
/** One comparison: equal to one of `in`, within a range, or (not) set. */
export interface Compare {
  in?: Value[];
  notIn?: Value[];
  gte?: number;
  lt?: number;
  exists?: boolean;
  /** Case-insensitive substring (text fields). */
  contains?: string;
}

export type SegmentCondition =
  | { field: SegmentField; is: Compare }
  | { channel: string[] }
  | { campaign: string[] }
  | { utm: Partial<Record<(typeof UTM_KEYS)[number], string[]>> }
  | { score: { gte?: number; lt?: number } }
  | { temperature: Temperature[] }
  /** The lead did something (any recorded lead event) within the duration, or not (`inactiveFor`). */
  | { lastActivity: { within?: string; inactiveFor?: string } }
  | { country: string[] }
  | { locale: string[] }
  | { custom: string; is: Compare }
  | { all: SegmentCondition[] }
  | { any: SegmentCondition[] }
  | { not: SegmentCondition };

export interface SegmentDefinition {
  id: string;
  /** Declared by the author: the same version with other content is refused at publish. */
  version: number;
  name: string;
  description: string;
  where: SegmentCondition;
}

export function defineSegment(def: SegmentDefinition): SegmentDefinition {
  return def;
}
