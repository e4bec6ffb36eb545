// What ships in the repository, published at worker start: the sequences (content/sequences, the
// typed DSL marketers write), the scoring rules, the offer campaigns and the mail templates. Content
// already published is left as it is; a changed file becomes a new version (or, for a sequence
// version already published with other content, a clear error: bump its version).
import { readFileSync } from 'fs';
import path from 'path';
import { LOCALES, TEMPLATES } from '../mail/templates';
import { offerCampaigns } from '../../content/offers';
import { scoringRules } from '../../content/scoring-rules';
import { sequenceModules } from '../../content/sequences';
import type { SequenceModule } from '../../workflows/sequences/dsl';
import type { OfferCampaign } from '../../workflows/offers/define';
import type { ScoringRules } from '../../workflows/qualification/scoring';
import { publishOffer, publishRules, publishSequence, publishTemplate, type ContentStore, type Published } from './catalogue';

const root = path.join(__dirname, '..', '..');

/** A template as published: its MJML, its words per locale and what the catalogue says of it. */
export function templateBody(id: keyof typeof TEMPLATES): unknown {
  const spec = TEMPLATES[id] as { kind: string; ctaPath?: string };
  const words = Object.fromEntries(LOCALES.map((l) => [l, (JSON.parse(readFileSync(path.join(root, 'templates/locales', `${l}.json`), 'utf8')) as Record<string, unknown>)[id] ?? null]));
  return { kind: spec.kind, ctaPath: spec.ctaPath ?? null, mjml: readFileSync(path.join(root, 'templates/messages', `${id}.mjml`), 'utf8'), words };
}

export interface ShippedContent {
  sequences: SequenceModule[];
  rules: ScoringRules;
  offers: OfferCampaign[];
  templates: boolean;
}

export const shippedContent = (): ShippedContent => ({ sequences: sequenceModules, rules: scoringRules, offers: offerCampaigns, templates: true });

export async function publishShipped(store: ContentStore, content: ShippedContent = shippedContent()): Promise<Published[]> {
  const out: Published[] = [];
  out.push(await publishRules(store, content.rules));
  for (const m of content.sequences) out.push(...(await publishSequence(store, m)));
  for (const c of content.offers) out.push(await publishOffer(store, c));
  if (content.templates) for (const id of Object.keys(TEMPLATES) as (keyof typeof TEMPLATES)[]) out.push(await publishTemplate(store, id, templateBody(id)));
  return out;
}
