// The time-skipping Temporal test server from the local binary (the SDK's own download needs the
// internet), with the lead workflow's search attributes registered. Used by the sequence preview,
// the tests and the benches.
import type { ConnectionPlugin } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { temporalTestServerPath } from './temporal-binaries';

const TYPES = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Double: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Datetime: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};

/**
 * The SDK client pings every 30 s; the test server (grpc-java's defaults) answers pings it finds too
 * frequent with GOAWAY "too_many_pings", cutting every stream of the connection ("rejected by server
 * because of excess pings" in the output; seen with no call open, and in the 1,000-lead bench with
 * calls open). The server is a child process on loopback: a dead one closes the socket, so the
 * client does not ping it at all.
 */
export const noKeepalivePings: ConnectionPlugin = {
  name: 'leadflow-no-keepalive-pings',
  configureConnection: (options) => ({ ...options, channelArgs: { ...options.channelArgs, 'grpc.keepalive_time_ms': -1, 'grpc.keepalive_permit_without_calls': 0 } }),
};

/**
 * A fresh server. Its clock stops skipping for good once a workflow ends (terminated, or its worker
 * gone) while an activity of it is scheduled or running: the server holds a time-skipping lock per
 * pending activity and never releases it for a workflow that ended (temporal-test-server 1.40; see
 * test/time-skipping.test.ts). Hence one server per test wherever a test may leave such a workflow.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = temporalTestServerPath();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    ...(path ? { server: { executable: { type: 'existing-path', path } } } : {}),
    plugins: [noKeepalivePings],
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(Object.entries(SEARCH_ATTRIBUTES).map(([k, t]) => [k, TYPES[t]])),
  });
  return env;
}
