// Prisma CLI configuration. A driver adapter + `engine: 'js'` make the CLI use its bundled Wasm
// schema engine, so generate / migrate never download a native engine (see ../shared/NOTES.md).
// Unset, DATABASE_URL is the embedded PostgreSQL's (`npm start` runs it); generate needs a value too.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { DEFAULT_EMBEDDED_PORT, embeddedUrl } from '../dev/embedded-url';
import { cliAdapter } from './cli-adapters';

const url = (process.env.DATABASE_URL ??= embeddedUrl(Number(process.env.EMBEDDED_POSTGRES_PORT ?? DEFAULT_EMBEDDED_PORT), 'leadflow'));

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname, 'schema.prisma'),
  migrations: { path: path.join(__dirname, 'migrations') },
  adapter: () => cliAdapter(url),
});
