// Marketing content as published, immutable versions: sequences, scoring rules, offer campaigns and
// the mail templates. A version is (kind, id, version, content hash, JSON body) and never changes
// once published; the lead workflow reads them only through recorded activities, so publishing new
// content never changes what a running lead replays. Pure logic over a ContentStore.
import { createHash } from 'crypto';
import type { ChooseSequenceRequest, PinnedRules, PinnedSequence, SequenceMigration } from '../../workflows/activity-contract';
import type { OfferCampaign } from '../../workflows/offers/define';
import type { ScoringRules } from '../../workflows/qualification/scoring';
import type { SequenceDefinition, SequenceModule } from '../../workflows/sequences/dsl';
import type { SegmentDefinition } from '../../workflows/segments/define';
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextPath } from '../storable-text';

export const CONTENT_KINDS = ['sequence', 'scoring', 'offer', 'template', 'segment'] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];

export interface ContentRecord {
  kind: ContentKind;
  contentId: string;
  version: number;
  hash: string;
  body: unknown;
  publishedAt: Date;
}

/** Where published versions live: the database (content-store.ts) or memory (tests, previews). */
export interface ContentStore {
  /** Every published version of one kind. */
  list(kind: ContentKind): Promise<ContentRecord[]>;
  /** Inserts a new version; false when (kind, id, version) is taken already. */
  insert(rec: Omit<ContentRecord, 'publishedAt'>): Promise<boolean>;
}

/** A sequence version's body: its definition and the migration rules that lead to it. */
export interface SequenceBody {
  definition: SequenceDefinition;
  migrate?: { fromVersion: number; positions: Record<string, string> }[];
}

export class PublishError extends Error {
  override name = 'PublishError';
}

export interface Published {
  kind: ContentKind;
  id: string;
  version: number;
  hash: string;
  status: 'published' | 'unchanged';
}

/** Key order never changes a hash. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}
export const contentHash = (body: unknown): string => createHash('sha256').update(JSON.stringify(canonical(body))).digest('hex').slice(0, 16);

/** A NUL or half an emoji (a typo like "\\0" in a template) is named here, not left to the database's error. */
function checkStorable(kind: ContentKind, id: string, body: unknown): void {
  const at = unstorableTextPath(body);
  if (at) throw new PublishError(`${kind} ${id}: ${at.length ? at.join('.') : '(body)'} ${UNSTORABLE_TEXT_MESSAGE}`);
}

/** Versions declared by the author (sequences): the same version with other content is refused. */
async function publishDeclared(store: ContentStore, kind: ContentKind, id: string, version: number, body: unknown): Promise<Published> {
  checkStorable(kind, id, body);
  const hash = contentHash(body);
  const taken = (await store.list(kind)).find((r) => r.contentId === id && r.version === version);
  if (taken) {
    if (taken.hash === hash) return { kind, id, version, hash, status: 'unchanged' };
    throw new PublishError(`${kind} ${id} v${version} is published already with other content (hash ${taken.hash}, this is ${hash}): publish the change as a new version`);
  }
  if (!(await store.insert({ kind, contentId: id, version, hash, body: canonical(body) }))) return publishDeclared(store, kind, id, version, body);
  return { kind, id, version, hash, status: 'published' };
}

/** Versions numbered by the catalogue (rules, offers, templates): content already published is a no-op. */
async function publishNumbered(store: ContentStore, kind: ContentKind, id: string, body: unknown): Promise<Published> {
  checkStorable(kind, id, body);
  const hash = contentHash(body);
  const versions = (await store.list(kind)).filter((r) => r.contentId === id);
  const same = versions.find((r) => r.hash === hash);
  if (same) return { kind, id, version: same.version, hash, status: 'unchanged' };
  const version = Math.max(0, ...versions.map((r) => r.version)) + 1;
  // Two publishers at once: the loser numbers again.
  if (!(await store.insert({ kind, contentId: id, version, hash, body: canonical(body) }))) return publishNumbered(store, kind, id, body);
  return { kind, id, version, hash, status: 'published' };
}

/** Every version a sequence file holds (older ones first); migration rules go with the current one. */
export async function publishSequence(store: ContentStore, m: SequenceModule): Promise<Published[]> {
  const out: Published[] = [];
  for (const d of [...(m.previous ?? [])].sort((a, b) => a.version - b.version)) out.push(await publishDeclared(store, 'sequence', d.id, d.version, { definition: d } satisfies SequenceBody));
  out.push(await publishDeclared(store, 'sequence', m.current.id, m.current.version, { definition: m.current, ...(m.migrate?.length ? { migrate: m.migrate } : {}) } satisfies SequenceBody));
  return out;
}

/** A segment version, declared by its author like a sequence's: a running lead keeps what it was given. */
export const publishSegment = (store: ContentStore, s: SegmentDefinition): Promise<Published> => publishDeclared(store, 'segment', s.id, s.version, s);

/** The newest published version of a segment; null when none is. */
export async function currentSegment(store: ContentStore, id: string): Promise<SegmentDefinition | null> {
  const r = latest((await store.list('segment')).filter((x) => x.contentId === id))[0];
  return r ? (r.body as SegmentDefinition) : null;
}

/** Is the lead in the segment now? Asked of the database (domain/segments/query.ts). */
export type SegmentMember = (segment: SegmentDefinition, leadId: string) => Promise<boolean>;

export const RULESET_ID = 'default';
export const publishRules = (store: ContentStore, rules: ScoringRules): Promise<Published> => publishNumbered(store, 'scoring', RULESET_ID, rules);
export const publishOffer = (store: ContentStore, c: OfferCampaign): Promise<Published> => publishNumbered(store, 'offer', c.id, c);
export const publishTemplate = (store: ContentStore, id: string, body: unknown): Promise<Published> => publishNumbered(store, 'template', id, body);

/** The newest version of each id. */
function latest(records: ContentRecord[]): ContentRecord[] {
  const byId = new Map<string, ContentRecord>();
  for (const r of records) if ((byId.get(r.contentId)?.version ?? -1) < r.version) byId.set(r.contentId, r);
  return [...byId.values()];
}

const pinned = (r: ContentRecord): PinnedSequence => ({ id: r.contentId, version: r.version, hash: r.hash, definition: (r.body as SequenceBody).definition });

export async function currentRules(store: ContentStore): Promise<PinnedRules> {
  const r = latest((await store.list('scoring')).filter((x) => x.contentId === RULESET_ID))[0];
  if (!r) throw new PublishError('no scoring rules are published (the worker publishes the shipped ones at start)');
  return { version: r.version, hash: r.hash, rules: r.body as ScoringRules };
}

/** The current version of the highest-priority sequence the lead's situation matches. */
export async function chooseSequence(store: ContentStore, lead: ChooseSequenceRequest, member?: SegmentMember): Promise<PinnedSequence | null> {
  const candidates = latest(await store.list('sequence'))
    .map((r) => ({ r, d: (r.body as SequenceBody).definition }))
    .filter(({ d }) => d.entry.stages.includes(lead.stage))
    .filter(({ d }) => !d.entry.temperatures || d.entry.temperatures.includes(lead.temperature))
    .filter(({ d }) => !d.entry.sources || d.entry.sources.includes(lead.source))
    // Re-entry needs a stage change in between, so a finished sequence never restarts in a loop.
    .filter(({ d }) => !lead.doneThisStage.includes(d.id) && (d.entry.reentry || !lead.done.includes(d.id)))
    .sort((a, b) => b.d.entry.priority - a.d.entry.priority || a.d.id.localeCompare(b.d.id));
  // Segment rules last, in priority order: a database question only for the sequences that could win.
  for (const c of candidates) {
    if (!c.d.entry.segment) return pinned(c.r);
    const segment = await currentSegment(store, c.d.entry.segment);
    if (segment && lead.leadId && member && (await member(segment, lead.leadId))) return pinned(c.r);
  }
  return null;
}

/** The newest published version whose migration rules move `position` of `version` onward; else null. */
export async function sequenceMigration(store: ContentStore, id: string, version: number, position: string): Promise<SequenceMigration | null> {
  const newer = (await store.list('sequence')).filter((r) => r.contentId === id && r.version > version).sort((a, b) => b.version - a.version);
  for (const r of newer) {
    const to = (r.body as SequenceBody).migrate?.find((m) => m.fromVersion === version)?.positions[position];
    if (to !== undefined) return { to: pinned(r), position: to };
  }
  return null;
}

export async function findSequenceVersion(store: ContentStore, id: string, version: number): Promise<PinnedSequence | null> {
  const r = (await store.list('sequence')).find((x) => x.contentId === id && x.version === version);
  return r ? pinned(r) : null;
}

export async function currentOffer(store: ContentStore, id: string): Promise<OfferCampaign | null> {
  const r = latest((await store.list('offer')).filter((x) => x.contentId === id))[0];
  return r ? (r.body as OfferCampaign) : null;
}

export async function currentOffers(store: ContentStore): Promise<OfferCampaign[]> {
  return latest(await store.list('offer')).map((r) => r.body as OfferCampaign).sort((a, b) => a.id.localeCompare(b.id));
}

/** Every published version, newest first (the CLI's `list`). */
export async function listPublished(store: ContentStore): Promise<ContentRecord[]> {
  const all = (await Promise.all(CONTENT_KINDS.map((k) => store.list(k)))).flat();
  return all.sort((a, b) => a.kind.localeCompare(b.kind) || a.contentId.localeCompare(b.contentId) || b.version - a.version);
}
