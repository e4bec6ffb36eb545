// Custom search attributes ops filter on in the Temporal UI, e.g.
//   LeadStage = "sql" AND LeadQueue = "awaiting_manager"
//   LeadStage = "nurturing" AND NextActionTime < "2026-06-01T00:00:00Z"
//   LeadAttention = "db"
//   LeadSequenceStep = "warm-consideration@v1:5"
// The dev server registers them at start (dev/dev-server.ts); docker-compose's set-up does too.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

export const LeadStage = defineSearchAttributeKey('LeadStage', SearchAttributeType.KEYWORD);
export const LeadTemperature = defineSearchAttributeKey('LeadTemperature', SearchAttributeType.KEYWORD);
export const LeadScore = defineSearchAttributeKey('LeadScore', SearchAttributeType.DOUBLE);
export const LeadSource = defineSearchAttributeKey('LeadSource', SearchAttributeType.KEYWORD);
export const LeadSequence = defineSearchAttributeKey('LeadSequence', SearchAttributeType.KEYWORD);
export const AssignedManager = defineSearchAttributeKey('AssignedManager', SearchAttributeType.KEYWORD);
export const LeadQueue = defineSearchAttributeKey('LeadQueue', SearchAttributeType.KEYWORD);
export const NextActionTime = defineSearchAttributeKey('NextActionTime', SearchAttributeType.DATETIME);
/** Where the lead is in its sequence, `<sequence>@v<version>:<step>`, e.g. LeadSequenceStep = "warm-consideration@v1:5" (ops: who waits at a step). */
export const LeadSequenceStep = defineSearchAttributeKey('LeadSequenceStep', SearchAttributeType.KEYWORD);
/** Set while a lead waits for a failing dependency, e.g. LeadAttention = "db" (ops: the retryNow signal). */
export const LeadAttention = defineSearchAttributeKey('LeadAttention', SearchAttributeType.KEYWORD);

/** Name -> type, as the CLI's `--search-attribute Name=Type` and the test servers want them. */
export const SEARCH_ATTRIBUTES: Record<string, 'Keyword' | 'Double' | 'Datetime'> = {
  LeadStage: 'Keyword',
  LeadTemperature: 'Keyword',
  LeadScore: 'Double',
  LeadSource: 'Keyword',
  LeadSequence: 'Keyword',
  AssignedManager: 'Keyword',
  LeadQueue: 'Keyword',
  NextActionTime: 'Datetime',
  LeadAttention: 'Keyword',
  LeadSequenceStep: 'Keyword',
};

/** The typed keys, for APIs that take them (e.g. the SDK's ephemeral dev server). */
export const SEARCH_ATTRIBUTE_KEYS = [LeadStage, LeadTemperature, LeadScore, LeadSource, LeadSequence, AssignedManager, LeadQueue, NextActionTime, LeadAttention, LeadSequenceStep];
