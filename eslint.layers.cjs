// The layers of the code base and the imports each may not make: one table, read by eslint.config.mjs
// (a no-restricted-imports rule per folder) and by test/layers.test.ts (which also walks the resolved
// import graph, so a require() or a dynamic import cannot slip past).
/** Top-level folder -> top-level folders its files must not import (types included, unless noted). */
const folders = {
  workflows: {
    forbid: ['activities', 'api', 'cli', 'content', 'dev', 'domain', 'generated', 'prisma', 'runtime', 'worker'],
    // zod schemas (domain/) may be the source of workflow types: `import type` only, nothing at run time.
    typesFrom: ['domain'],
    why: 'workflow code is deterministic and bundled: no I/O, no content, no process code',
  },
  content: {
    forbid: ['activities', 'api', 'cli', 'dev', 'domain', 'generated', 'runtime', 'worker'],
    why: 'content is data written with the workflow DSL helpers only',
  },
  activities: {
    forbid: ['api', 'cli', 'dev', 'worker'],
    why: 'activities run in the worker: they do not reach into the API, the CLI or the dev stack',
  },
  domain: {
    forbid: ['activities', 'api', 'cli', 'dev', 'worker'],
    why: 'domain code is shared by API, CLI and activities, so it depends on none of them',
  },
  api: {
    forbid: ['activities', 'cli', 'worker'],
    why: 'the API uses domain code, never activity internals or the worker process',
  },
  worker: {
    forbid: ['api', 'cli', 'dev'],
    why: 'the worker process does not depend on the API process or the CLI',
  },
  runtime: {
    forbid: ['api', 'cli', 'worker'],
    why: 'what every process shares depends on no process',
  },
};

/** Packages workflow code must not import at run time (I/O, wall clock, validation); `import type` is fine. */
const workflowPackages = [
  'zod', '@prisma/*', 'pg', 'fs', 'fs/*', 'path', 'crypto', 'os', 'child_process', 'net', 'http', 'https', 'node:*',
  'luxon', 'date-holidays', 'nodemailer', 'mjml', 'fastify', '@temporalio/client', '@temporalio/worker',
  '@temporalio/activity', '@temporalio/testing',
];

module.exports = { folders, workflowPackages };
