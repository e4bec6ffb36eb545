// Published content in the database (ContentVersion rows). Reads are cached for a second per kind:
// every lead asks on its way, and new content reaches new leads within that second, no restart.
import { isUniqueViolation, type Db } from '../db';
import type { ContentKind, ContentRecord, ContentStore } from './catalogue';

const CACHE_MS = 1000;

/** `now`: the cache's clock (tests move it instead of waiting out the second). */
export function prismaContentStore(db: Db, opts: { cacheMs?: number; now?: () => number } = {}): ContentStore {
  const cacheMs = opts.cacheMs ?? CACHE_MS;
  const now = opts.now ?? Date.now;
  const cache = new Map<ContentKind, { at: number; rows: Promise<ContentRecord[]> }>();
  return {
    list(kind) {
      const hit = cache.get(kind);
      if (hit && now() - hit.at < cacheMs) return hit.rows;
      const rows = db.contentVersion
        .findMany({ where: { kind }, orderBy: [{ contentId: 'asc' }, { version: 'asc' }] })
        .then((rs) => rs.map((r) => ({ kind: r.kind as ContentKind, contentId: r.contentId, version: r.version, hash: r.hash, body: r.body, publishedAt: r.publishedAt })));
      // A failed read is not cached.
      rows.catch(() => cache.delete(kind));
      cache.set(kind, { at: now(), rows });
      return rows;
    },
    async insert(rec) {
      cache.delete(rec.kind);
      try {
        await db.contentVersion.create({ data: { kind: rec.kind, contentId: rec.contentId, version: rec.version, hash: rec.hash, body: rec.body as object } });
        return true;
      } catch (e) {
        if (isUniqueViolation(e)) return false;
        throw e;
      }
    },
  };
}
