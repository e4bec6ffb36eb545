// The workflow bundle is cached per workflow in every worker: it must stay free of I/O and heavy
// validation libraries (zod, Prisma, luxon, nodemailer, mjml).
import { workflowBundle } from './support/lead-harness';

test('the workflow bundle contains no zod, Prisma, luxon, nodemailer or mjml', async () => {
  const { code } = await workflowBundle();
  for (const lib of ['zod', '@prisma', 'luxon', 'nodemailer', 'mjml', 'better-sqlite3']) {
    expect([lib, code.includes(`node_modules/${lib}/`)]).toEqual([lib, false]);
  }
  expect(code).toContain('leadLifecycle');
  console.log(`workflow bundle: ${(code.length / 1024 / 1024).toFixed(2)} MB`);
});
