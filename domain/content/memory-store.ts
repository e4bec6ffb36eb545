// Published content kept in memory: workflow tests, the sequence preview and replay checks.
import type { ContentKind, ContentRecord, ContentStore } from './catalogue';

export function memoryContentStore(): ContentStore {
  const rows: ContentRecord[] = [];
  return {
    async list(kind: ContentKind) {
      return rows.filter((r) => r.kind === kind);
    },
    async insert(rec) {
      if (rows.some((r) => r.kind === rec.kind && r.contentId === rec.contentId && r.version === rec.version)) return false;
      rows.push({ ...rec, body: JSON.parse(JSON.stringify(rec.body)), publishedAt: new Date() });
      return true;
    },
  };
}
