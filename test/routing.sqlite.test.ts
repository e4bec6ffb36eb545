// Routing on SQLite (the default database): see test/support/routing-contract.ts.
import { createTestDb } from './helpers/db';
import { routingContract } from './support/routing-contract';

routingContract('sqlite', createTestDb);
