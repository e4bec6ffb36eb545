// Runs where PostgreSQL is available (.ci/run installs and starts it); skips with a message otherwise.
import { createPgTestDb } from './helpers/db';
import { dbContract } from './support/db-contract';

dbContract('postgres', createPgTestDb);
