// TEMPORARY (lead engineer, until H-prisma's version lands): time-skipping env with the local binary.
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { existsSync } from 'fs';
import { join } from 'path';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
const TYPES = { Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, Double: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE, Datetime: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME };
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = process.env.TEMPORAL_TEST_SERVER_PATH ?? join(__dirname, '../../.tools/bin/temporal-test-server');
  const env = await TestWorkflowEnvironment.createTimeSkipping(existsSync(path) ? { server: { executable: { type: 'existing-path', path } } } : {});
  await env.connection.operatorService.addSearchAttributes({ namespace: 'default', searchAttributes: Object.fromEntries(Object.entries(SEARCH_ATTRIBUTES).map(([k, t]) => [k, TYPES[t]])) });
  return env;
}
