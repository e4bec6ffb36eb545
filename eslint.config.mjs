import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './eslint.layers.cjs';

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * One config per layer folder and depth: a relative import from `<folder>/<d levels>/x.ts` reaches the
 * top-level folder G exactly when it starts with d times `../` and then G, so the rule is exact.
 */
function layerRules() {
  const configs = [];
  for (const [folder, rule] of Object.entries(layers.folders)) {
    for (let depth = 1; depth <= 5; depth++) {
      const up = '\\.\\./'.repeat(depth);
      const strict = rule.forbid.filter((f) => !(rule.typesFrom ?? []).includes(f));
      const patterns = [{ regex: `^${up}(${strict.map(escape).join('|')})(/|$)`, message: `${folder}/ must not import this folder: ${rule.why} (eslint.layers.cjs)` }];
      if (rule.typesFrom?.length) patterns.push({ regex: `^${up}(${rule.typesFrom.map(escape).join('|')})(/|$)`, allowTypeImports: true, message: `${folder}/ may import only types from here: ${rule.why} (eslint.layers.cjs)` });
      if (folder === 'workflows') patterns.push({ group: layers.workflowPackages, allowTypeImports: true, message: `workflow code: ${rule.why} (eslint.layers.cjs)` });
      configs.push({ files: [`${folder}/${'*/'.repeat(depth - 1)}*.ts`], rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] } });
    }
  }
  return configs;
}

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
  ...layerRules(),
  {
    // The workflow bundle must stay deterministic: read time through the one clock.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'read time through now() in lead-lifecycle.ts, the one clock' }],
    },
  },
);
