/** Unit, workflow (time-skipping) and integration tests; chaos runs live in jest.chaos.config.js. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
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
  // Two cores: Temporal servers are heavy; keep parallelism modest.
  maxWorkers: 2,
  verbose: false,
};
