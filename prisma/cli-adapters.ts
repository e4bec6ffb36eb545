// The driver adapter for the Prisma CLI (migrate / diff), with the workarounds the offline Wasm
// schema engine needs. Runtime code uses domain/db.ts; only the CLI loads this file.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

export async function cliAdapter(url: string) {
  reportCatalogTypesAsText();
  return new PrismaPg({ connectionString: url });
}

/**
 * prisma/prisma#27403: the schema engine reads catalog columns of type `name` (OID 19) and `"char"`
 * (18), and arrays of them (1003, 1002), which @prisma/adapter-pg refuses before any type parser runs
 * ("Column type 'name' could not be deserialized"). Inside the CLI process only, pg reports those
 * columns as text / text[]; their values are plain strings either way.
 */
function reportCatalogTypesAsText(): void {
  const AS_TEXT: Record<number, number> = { 18: 25, 19: 25, 1002: 1009, 1003: 1009 };
  type RowDescription = { fields: { dataTypeID: number }[] };
  const Query = (pg as unknown as { Query: { prototype: { handleRowDescription(msg: RowDescription): void; __leadflowPatched?: boolean } } }).Query;
  if (Query.prototype.__leadflowPatched) return;
  const original = Query.prototype.handleRowDescription;
  Query.prototype.handleRowDescription = function (this: unknown, msg: RowDescription) {
    for (const f of msg.fields) f.dataTypeID = AS_TEXT[f.dataTypeID] ?? f.dataTypeID;
    return original.call(this, msg);
  };
  Query.prototype.__leadflowPatched = true;
}
