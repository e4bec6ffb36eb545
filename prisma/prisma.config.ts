// Prisma CLI configuration for both providers, picked from DATABASE_URL (file: -> SQLite,
// postgres(ql):// -> PostgreSQL). Driver adapters + `engine: 'js'` make the CLI use its bundled Wasm
// schema engine, so generate / migrate never download a native engine (see ../shared/NOTES.md).
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { cliAdapter, defaultDatabaseUrl, providerOf } from './cli-adapters';

const url = (process.env.DATABASE_URL ??= defaultDatabaseUrl());
const provider = providerOf(url);

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname, provider, 'schema.prisma'),
  migrations: { path: path.join(__dirname, provider, 'migrations') },
  adapter: () => cliAdapter(url),
});
