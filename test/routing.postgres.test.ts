// Routing on PostgreSQL where LEADFLOW_TEST_DATABASE_URL gives one (.ci/run sets it); skips otherwise.
import { createPgTestDb } from './helpers/db';
import { routingContract } from './support/routing-contract';

routingContract('postgres', createPgTestDb);
