// The layers hold (issue 16): the folder rules of eslint.layers.cjs are checked twice, over the real
// import graph (every relative import resolved to its file, require() and import() included) and
// through eslint itself on deliberately bad files, so a rule that stops firing fails here too.
import { spawnSync } from 'child_process';
import { existsSync, readFileSync, statSync } from 'fs';
import path from 'path';

// eslint.layers.cjs is plain CommonJS, shared with eslint.config.mjs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const layers = require('../eslint.layers.cjs') as { folders: Record<string, { forbid: string[]; typesFrom?: string[]; why: string }>; workflowPackages: string[] };

const root = path.join(__dirname, '..');
const git = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { cwd: root, encoding: 'utf8' });
const files = git.stdout.split('\n').filter((f) => f && Object.keys(layers.folders).includes(f.split('/')[0]));

interface Edge { from: string; spec: string; to: string | null; typeOnly: boolean }

/** Every import of a file: static (type-only marked), re-exports, import() and require(). */
function importsOf(file: string): Edge[] {
  const src = readFileSync(path.join(root, file), 'utf8');
  const edges: Edge[] = [];
  const add = (spec: string, typeOnly: boolean) => edges.push({ from: file, spec, to: spec.startsWith('.') ? resolve(file, spec) : null, typeOnly });
  for (const m of src.matchAll(/^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) add(m[3], Boolean(m[2]));
  for (const m of src.matchAll(/(?:\bimport|\brequire(?:\.resolve)?)\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) add(m[1], false);
  return edges;
}

function resolve(file: string, spec: string): string {
  const abs = path.normalize(path.join(path.dirname(file), spec));
  const hit = [`${abs}.ts`, `${abs}.d.ts`, abs, `${abs}/index.ts`].find((c) => existsSync(path.join(root, c)) && statSync(path.join(root, c)).isFile());
  return hit ?? abs;
}

const matchesPackage = (spec: string, pattern: string) => (pattern.endsWith('*') ? spec.startsWith(pattern.slice(0, -1)) : spec === pattern || spec.startsWith(`${pattern}/`));

test('the import graph keeps every folder rule', () => {
  expect(files.length).toBeGreaterThan(80);
  const broken: string[] = [];
  for (const file of files) {
    const rule = layers.folders[file.split('/')[0]];
    for (const e of importsOf(file)) {
      if (e.to) {
        const target = e.to.split('/')[0];
        if (rule.forbid.includes(target) && !(e.typeOnly && rule.typesFrom?.includes(target))) broken.push(`${file} imports ${e.spec} (${e.to})`);
      } else if (file.startsWith('workflows/') && !e.typeOnly && layers.workflowPackages.some((p) => matchesPackage(e.spec, p))) {
        broken.push(`${file} imports ${e.spec} at run time`);
      }
    }
  }
  expect(broken).toEqual([]);
});

test('the graph walk sees what it must (a resolved cross-folder edge, a type-only import, a package import)', () => {
  const edges = files.flatMap(importsOf);
  expect(edges.some((e) => e.from.startsWith('api/') && e.to?.startsWith('domain/'))).toBe(true);
  expect(edges.some((e) => e.from.startsWith('workflows/') && e.typeOnly)).toBe(true);
  expect(edges.some((e) => e.from.startsWith('activities/') && e.spec === '@temporalio/activity')).toBe(true);
});

/** Lints each text as if it were the named file; returns the restricted-import messages per file. */
function lintAs(cases: { file: string; code: string }[]): Record<string, string[]> {
  const script = `
    import { ESLint } from 'eslint';
    const cases = JSON.parse(process.argv[1]);
    const eslint = new ESLint({ cwd: ${JSON.stringify(root)} });
    const out = {};
    for (const c of cases) {
      const [r] = await eslint.lintText(c.code, { filePath: c.file });
      out[c.file] = r.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
    }
    console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(cases)], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`eslint failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string[]>;
}

test('eslint refuses a bad import in every layer folder, at any depth, and lets the allowed ones through', () => {
  const cases: { file: string; code: string; bad: boolean }[] = [];
  for (const [folder, rule] of Object.entries(layers.folders)) {
    const strict = rule.forbid.filter((f) => !rule.typesFrom?.includes(f));
    for (const [i, target] of strict.entries()) {
      const depth = 1 + (i % 3);
      const dir = [folder, ...Array.from({ length: depth - 1 }, (_, k) => `sub${k}`)].join('/');
      cases.push({ file: `${dir}/layer-guard-${target}.ts`, code: `import { x } from '${'../'.repeat(depth)}${target}/thing';\nexport const y = x;\n`, bad: true });
    }
    const allowed = Object.keys(layers.folders).find((f) => f !== folder && !rule.forbid.includes(f)) ?? folder;
    cases.push({ file: `${folder}/sub/layer-guard-ok.ts`, code: `import { x } from '../../${allowed}/thing';\nimport { y } from './near';\nexport const z = [x, y];\n`, bad: false });
  }
  cases.push({ file: 'workflows/lead/layer-guard-zod.ts', code: `import { z } from 'zod';\nexport const s = z.string();\n`, bad: true });
  cases.push({ file: 'workflows/layer-guard-fs.ts', code: `import { readFileSync } from 'fs';\nexport const r = readFileSync;\n`, bad: true });
  cases.push({ file: 'workflows/lead/layer-guard-domain-value.ts', code: `import { schema } from '../../domain/content/definitions';\nexport const s = schema;\n`, bad: true });
  cases.push({ file: 'workflows/lead/layer-guard-types.ts', code: `import type { z } from 'zod';\nimport type { Db } from '../../domain/db';\nexport type T = [z.ZodType, Db];\n`, bad: false });
  cases.push({ file: 'cli/layer-guard-free.ts', code: `import { a } from '../activities/index';\nimport { b } from '../api/server';\nexport const c = [a, b];\n`, bad: false });

  const found = lintAs(cases.map(({ file, code }) => ({ file, code })));
  const wrong = cases.filter((c) => (found[c.file]?.length ?? 0) > 0 !== c.bad).map((c) => `${c.file}: expected ${c.bad ? 'an error' : 'none'}, got ${JSON.stringify(found[c.file])}`);
  expect(wrong).toEqual([]);
  expect(found['api/layer-guard-activities.ts']?.[0]).toContain('never activity internals');
}, 120_000);
