// The per-provider schemas are generated from prisma/models.prisma and must be kept in step.
import { readFileSync } from 'fs';
import { PROVIDERS, schemaFor, schemaPath } from '../scripts/prisma-schemas';

test.each(PROVIDERS)('prisma/%s/schema.prisma is up to date with prisma/models.prisma', (p) => {
  expect(readFileSync(schemaPath(p), 'utf8')).toBe(schemaFor(p));
});
