/** The chaos suite (`npm run test:chaos`): real stack on loopback, faults injected; one file at a time. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // One PostgreSQL server per run; each test file gets its own database (test/helpers/db.ts).
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  roots: ['<rootDir>/test/chaos'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
  },
  // Each file runs a Temporal dev server, a worker process and an SMTP sink: one file at a time.
  maxWorkers: 1,
  // Bounded: a scenario that does not converge fails instead of hanging.
  testTimeout: 30 * 60_000,
  verbose: true,
};
