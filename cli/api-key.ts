// `npm run api-key -- create <name> --scope intake|admin [--scope ...]` prints a new key once (only
// its hash is stored); `npm run api-key -- list`; `npm run api-key -- revoke <id>`.
import { parseArgs } from 'util';
import { createPrisma } from '../domain/db';
import { createApiKey, revokeApiKey, SCOPES, type Scope } from '../api/auth';
import { loadConfig } from '../runtime/config';
import { runCli, usageError } from './common';

const USAGE = `usage: npm run api-key -- create <name> --scope intake|admin [--scope ...]
       npm run api-key -- list
       npm run api-key -- revoke <id>`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { scope: { type: 'string', multiple: true } } });
  const [command, arg, ...rest] = positionals;
  if (rest.length) return fail(`unexpected argument ${rest[0]}`);
  const scopes = values.scope ?? [];
  if (command === 'create') {
    if (!arg?.trim()) return fail('create: a name is required');
    if (!scopes.length) return fail(`--scope: one of ${SCOPES.join(', ')} is required`);
    const badScope = scopes.find((s) => !(SCOPES as readonly string[]).includes(s));
    if (badScope) return fail(`--scope: ${badScope} is not one of ${SCOPES.join(', ')}`);
  } else if (command === 'revoke') {
    if (!arg) return fail('revoke: the key id is required');
  } else if (command !== 'list') return fail(command ? `unknown command ${command}` : 'a command is required');

  const db = createPrisma(loadConfig().DATABASE_URL);
  try {
    if (command === 'create') {
      const { id, key } = await createApiKey(db, arg, [...new Set(scopes)] as Scope[]);
      console.log(`created API key ${id} (${arg}, ${scopes.join(', ')}). Shown once, store it now:\n${key}`);
    } else if (command === 'revoke') {
      if (!(await revokeApiKey(db, arg))) return fail(`no active key with id ${arg}`);
      console.log(`revoked ${arg}`);
    } else {
      for (const k of await db.apiKey.findMany({ orderBy: { createdAt: 'asc' } })) {
        console.log(`${k.id}  ${k.name}  ${(k.scopes as string[]).join(',')}  created ${k.createdAt.toISOString()}${k.revokedAt ? `  revoked ${k.revokedAt.toISOString()}` : ''}`);
      }
    }
    return 0;
  } finally {
    await db.$disconnect();
  }
}

const fail = (problem: string): number => usageError(problem, USAGE);

runCli(main);
