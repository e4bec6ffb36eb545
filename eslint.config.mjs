import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'generated/', 'dist/', '.tools/', '.data/', 'coverage/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The workflow bundle must stay deterministic and small: no I/O, zod, Prisma or wall clock.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['zod', '@prisma/*', 'fs', 'node:*', 'luxon', 'nodemailer', 'mjml', '**/activities/**', '**/domain/**', '**/api/**', '**/worker/**', '**/cli/**', '**/dev/**', '**/runtime/**', '**/content/**'] }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'read time through now() in lead-lifecycle.ts, the one clock' }],
    },
  },
);
