// The check on a segment definition before it is published or used (zod, with the field named):
// known lead fields, the team's declared custom fields, durations that parse, non-empty lists.
import { z } from 'zod';
import { customFields } from '../../content/custom-fields';
import { durationText as duration } from '../duration';
import { SEGMENT_FIELDS, UTM_KEYS, type SegmentCondition, type SegmentDefinition } from '../../workflows/segments/define';
import { TEMPERATURES } from '../../workflows/types';

const value = z.union([z.string().max(200), z.number(), z.boolean()]);
const compare = z
  .object({ in: z.array(value).min(1).optional(), notIn: z.array(value).min(1).optional(), gte: z.number().optional(), lt: z.number().optional(), exists: z.boolean().optional(), contains: z.string().min(1).max(200).optional() })
  .strict()
  .refine((c) => Object.keys(c).length > 0, { message: 'says nothing: give in, notIn, gte, lt, exists or contains' });
const list = z.array(z.string().min(1).max(200)).min(1);

const condition: z.ZodType<SegmentCondition> = z.lazy(() =>
  z.union([
    z.object({ field: z.enum(SEGMENT_FIELDS), is: compare }).strict(),
    z.object({ custom: z.string().refine((k) => k in customFields, { message: `is not a declared custom field (${Object.keys(customFields).join(', ')}: content/custom-fields.ts)` }), is: compare }).strict(),
    z.object({ channel: list }).strict(),
    z.object({ campaign: list }).strict(),
    z.object({ utm: z.object(Object.fromEntries(UTM_KEYS.map((k) => [k, list.optional()]))).strict() }).strict(),
    z.object({ score: z.object({ gte: z.number().optional(), lt: z.number().optional() }).strict() }).strict(),
    z.object({ temperature: z.array(z.enum(TEMPERATURES)).min(1) }).strict(),
    z.object({ lastActivity: z.object({ within: duration.optional(), inactiveFor: duration.optional() }).strict() }).strict(),
    z.object({ country: z.array(z.string().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166 two-letter code')).min(1) }).strict(),
    z.object({ locale: z.array(z.string().regex(/^[a-z]{2}(-[A-Za-z]{2})?$/, 'must be a language code like en or pl-PL')).min(1) }).strict(),
    z.object({ all: z.array(condition).min(1) }).strict(),
    z.object({ any: z.array(condition).min(1) }).strict(),
    z.object({ not: condition }).strict(),
  ]),
) as z.ZodType<SegmentCondition>;

export const segmentSchema = z
  .object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'lower-case letters, digits and - only'), version: z.number().int().min(1), name: z.string().min(1).max(200), description: z.string().max(2000), where: condition })
  .strict();

/** Every problem, each naming the segment and the field (`segment big-teams@v1 where.all.0.custom: ...`). */
export function segmentProblems(defs: SegmentDefinition[]): string[] {
  const out: string[] = [];
  const ids = new Set<string>();
  for (const d of defs) {
    const where = `segment ${d?.id ?? '?'}@v${d?.version ?? '?'}`;
    const r = segmentSchema.safeParse(d);
    if (!r.success) out.push(...r.error.issues.map((i) => `${where}${i.path.length ? ` ${i.path.join('.')}` : ''}: ${i.message}`));
    if (ids.has(d.id)) out.push(`${where}: id used twice`);
    ids.add(d.id);
  }
  return out;
}
