// `npm run segments -- <command>`: the marketer's tool for segments (content/segments).
//   list                 the shipped segments and their published versions
//   count <id> [--version <n>]
//                        how many leads (not erased) are in the segment now, on the real database:
//                        its newest published version (or the shipped one, if none is published yet)
// Exit codes: 0 fine, 1 problems in the definition, 2 bad usage.
import { parseArgs } from 'util';
import { prismaContentStore } from '../domain/content/prisma-store';
import { createPrisma } from '../domain/db';
import { countSegment } from '../domain/segments/query';
import { loadConfig } from '../runtime/config';
import { segmentProblems } from '../domain/content/segment-definitions';
import { segments } from '../content/segments';
import type { SegmentDefinition } from '../workflows/segments/define';
import { crashMessage } from './common';

const USAGE = `usage:
  npm run segments -- list
  npm run segments -- count <segment-id> [--version <n>]`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { version: { type: 'string' } } });
  if (command !== 'list' && command !== 'count') throw new UsageError(command ? `unknown command "${command}"` : 'no command');
  const db = createPrisma(loadConfig().DATABASE_URL);
  try {
    const published = (await prismaContentStore(db).list('segment')).map((r) => r.body as SegmentDefinition);
    if (command === 'list') {
      for (const s of segments) {
        const versions = published.filter((p) => p.id === s.id).map((p) => `v${p.version}`);
        console.log(`${s.id.padEnd(28)} v${s.version}  ${s.name}  (published: ${versions.join(', ') || 'not yet'})`);
      }
      return 0;
    }
    const [id] = positionals;
    if (!id || positionals.length > 1) throw new UsageError('count takes one segment id');
    const versions = [...published, ...segments].filter((s) => s.id === id);
    if (!versions.length) throw new UsageError(`no segment "${id}" (known: ${[...new Set([...segments, ...published].map((s) => s.id))].join(', ')})`);
    const wanted = values.version === undefined ? undefined : Number(values.version);
    const def = wanted === undefined ? versions.sort((a, b) => b.version - a.version)[0] : versions.find((s) => s.version === wanted);
    if (!def) throw new UsageError(`${id} has no version ${values.version} (known: ${[...new Set(versions.map((s) => s.version))].join(', ')})`);
    const problems = segmentProblems([def]);
    if (problems.length) {
      console.error(problems.join('\n'));
      return 1;
    }
    const n = await countSegment(db, def);
    const where = published.some((p) => p.id === def.id && p.version === def.version) ? 'published' : 'shipped, not yet published';
    console.log(`${n} lead(s) in ${def.id} v${def.version} (${where}) now: ${def.name}`);
    return 0;
  } finally {
    await db.$disconnect();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
        console.error(`${(e as Error).message}\n\n${USAGE}`);
        process.exit(2);
      }
      console.error(crashMessage(e));
      process.exit(3);
    },
  );
}
