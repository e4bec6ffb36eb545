import { createTestDb } from './helpers/db';
import { dbContract } from './support/db-contract';

dbContract('sqlite', createTestDb);
