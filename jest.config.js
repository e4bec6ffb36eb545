/** Unit, workflow (time-skipping) and integration tests; chaos runs live in jest.chaos.config.js. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // One PostgreSQL server and one workflow bundle per run; each test file gets its own database
  // (test/helpers/db.ts), each time-skipping test its own server (test/support/lead-harness.ts).
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // Worker and SDK logs to test-logs/<file>.log; printed for failing tests only (the reporter).
  setupFilesAfterEnv: ['<rootDir>/test/helpers/suite-logs.ts'],
  reporters: ['default', '<rootDir>/test/helpers/suite-logs-reporter.js'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/test/chaos/'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // cookie@2 (via fastify's light-my-request) ships ESM only; Node 20 loads it natively, jest does not.
    '/node_modules/cookie/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
  testTimeout: 120000,
  // Two cores: Temporal servers are heavy; keep parallelism modest. (One suite at a time runs in band,
  // and was 3-9x slower per suite in a fresh-clone run: 2026-12-03.)
  maxWorkers: 2,
  verbose: false,
};
