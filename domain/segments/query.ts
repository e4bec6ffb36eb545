// Segment membership, asked of the database: a segment definition becomes a Prisma `where` (every
// value goes to PostgreSQL as a bind parameter, never pasted into SQL text), so counts and
// membership are exact for the data as it is now. Used by `npm run segments -- count`, by sequence
// entry (chooseSequence) and by offer audiences; always leaves erased leads out.
import type { Compare, SegmentCondition, SegmentDefinition, Value } from '../../workflows/segments/define';
import { durationMs, type DurationText } from '../../workflows/duration';
import { LEAD_EVENT_TYPES } from '../../workflows/types';
import { Prisma, type Db } from '../db';

type Where = Prisma.LeadWhereInput;
const ms = (d: string): number => durationMs(d as DurationText);

/** A comparison on a plain column. */
function column(name: string, c: Compare): Where {
  const parts: Where[] = [];
  if (c.in) parts.push({ [name]: { in: c.in } });
  if (c.notIn) parts.push({ NOT: { [name]: { in: c.notIn } } });
  if (c.gte !== undefined) parts.push({ [name]: { gte: c.gte } });
  if (c.lt !== undefined) parts.push({ [name]: { lt: c.lt } });
  if (c.contains !== undefined) parts.push({ [name]: { contains: c.contains, mode: 'insensitive' } });
  if (c.exists !== undefined) parts.push(c.exists ? { [name]: { not: null } } : { [name]: null });
  return { AND: parts };
}

/** A comparison on one key of a JSON column (custom fields, UTM). */
function jsonKey(col: 'custom' | 'utm', key: string, c: Compare): Where {
  const at = (f: Record<string, unknown>): Where => ({ [col]: { path: [key], ...f } });
  const parts: Where[] = [];
  const anyOf = (vs: Value[]): Where => ({ OR: vs.map((v) => at({ equals: v })) });
  if (c.in) parts.push(anyOf(c.in));
  if (c.notIn) parts.push({ NOT: anyOf(c.notIn) });
  if (c.gte !== undefined) parts.push(at({ gte: c.gte }));
  if (c.lt !== undefined) parts.push(at({ lt: c.lt }));
  if (c.contains !== undefined) parts.push(at({ string_contains: c.contains }));
  if (c.exists !== undefined) {
    const missing: Where = { OR: [{ [col]: { equals: Prisma.AnyNull } }, at({ equals: Prisma.AnyNull })] };
    parts.push(c.exists ? { NOT: missing } : missing);
  }
  return { AND: parts };
}

export function segmentWhere(c: SegmentCondition, now: Date): Where {
  if ('all' in c) return { AND: c.all.map((x) => segmentWhere(x, now)) };
  if ('any' in c) return { OR: c.any.map((x) => segmentWhere(x, now)) };
  if ('not' in c) return { NOT: segmentWhere(c.not, now) };
  if ('field' in c) return column(c.field, c.is);
  if ('custom' in c) return jsonKey('custom', c.custom, c.is);
  if ('channel' in c) return { source: { in: c.channel } };
  if ('campaign' in c) return { campaignId: { in: c.campaign } };
  if ('utm' in c) return { AND: Object.entries(c.utm).map(([k, vs]) => jsonKey('utm', k, { in: vs ?? [] })) };
  if ('score' in c) return { AND: [...(c.score.gte !== undefined ? [{ score: { gte: c.score.gte } }] : []), ...(c.score.lt !== undefined ? [{ score: { lt: c.score.lt } }] : [])] };
  if ('temperature' in c) return { temperature: { in: c.temperature } };
  if ('country' in c) return { country: { in: c.country.map((x) => x.toUpperCase()) } };
  if ('locale' in c) return { OR: c.locale.map((l) => ({ locale: { startsWith: l.toLowerCase() } })) };
  // Activity: the lead's own events (opens, clicks, visits, forms...), not the engine's records.
  const active = (since: number): Where => ({ events: { some: { type: { in: [...LEAD_EVENT_TYPES] }, occurredAt: { gte: new Date(since) } } } });
  const parts: Where[] = [];
  if (c.lastActivity.within) parts.push(active(now.getTime() - ms(c.lastActivity.within)));
  if (c.lastActivity.inactiveFor) parts.push({ NOT: active(now.getTime() - ms(c.lastActivity.inactiveFor)) });
  return { AND: parts };
}

const live = (def: SegmentDefinition, now: Date): Where => ({ AND: [{ erasedAt: null }, segmentWhere(def.where, now)] });

export const countSegment = (db: Db, def: SegmentDefinition, now = new Date()): Promise<number> => db.lead.count({ where: live(def, now) });

export async function isSegmentMember(db: Db, def: SegmentDefinition, leadId: string, now = new Date()): Promise<boolean> {
  return (await db.lead.count({ where: { AND: [{ id: leadId }, live(def, now)] } })) > 0;
}

/** The segment as an extra filter on another query (offer audiences). */
export const segmentFilter = live;
