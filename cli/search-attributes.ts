// `leadflow search-attributes`: registers the lead workflow's search attributes
// (workflows/search-attributes.ts) on a real Temporal cluster's namespace. Idempotent; an attribute
// registered with another type is an error (a cluster's attribute cannot change type).
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

const { INDEXED_VALUE_TYPE_KEYWORD, INDEXED_VALUE_TYPE_DOUBLE, INDEXED_VALUE_TYPE_DATETIME } = temporal.api.enums.v1.IndexedValueType;
const TYPES = { Keyword: INDEXED_VALUE_TYPE_KEYWORD, Double: INDEXED_VALUE_TYPE_DOUBLE, Datetime: INDEXED_VALUE_TYPE_DATETIME } as const;

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<{ added: string[]; present: string[] }> {
  const { customAttributes = {} } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  const present: string[] = [];
  const wrong: string[] = [];
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
    const have = customAttributes[name];
    if (have === undefined || have === null) missing[name] = TYPES[type];
    else if (have !== TYPES[type]) wrong.push(`${name}: registered as ${temporal.api.enums.v1.IndexedValueType[have]}, the workflow needs ${type}`);
    else present.push(name);
  }
  if (wrong.length) throw new Error(`search attributes of another type on namespace ${namespace}:\n  ${wrong.join('\n  ')}`);
  if (Object.keys(missing).length) await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  return { added: Object.keys(missing), present };
}
