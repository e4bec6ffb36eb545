#!/usr/bin/env bash
# Idempotent set-up, run by `npm start` and `npm test`: node modules, Temporal binaries, Prisma
# clients and migrations. Fast the second time: each step is skipped while its inputs are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
STAMPS=.tools/stamps
mkdir -p "$STAMPS" .data
log() { echo "[setup] $*" >&2; }
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }
t0=$(date +%s)

# 1. Node modules: reinstall when the lock file changed or a native module is missing.
lock_hash=$(hash_of package-lock.json package.json)
if [ "$(cat "$STAMPS/npm" 2>/dev/null)" != "$lock_hash" ] || ! node -e "require('better-sqlite3')" >/dev/null 2>&1; then
  log "installing node modules (npm ci)"
  if ! npm ci --no-audit --no-fund >&2; then
    # npm 11.19 writes lock files without other platforms' optional packages, then its own `npm ci`
    # refuses them ("Missing: @swc/core-darwin-arm64"); npm install reads the same lock fine.
    log "npm ci refused the lock file (npm 11 optional-platform bug); using npm install"
    npm install --no-audit --no-fund >&2
  fi
  # npm 11 runs install scripts only for packages in package.json "allowScripts": check the one we need.
  node -e "require('better-sqlite3')" >/dev/null 2>&1 || npm rebuild better-sqlite3 >&2
  node -e "require('better-sqlite3')" || { log "better-sqlite3 did not build (needs g++, make, python3)"; exit 1; }
  echo "$lock_hash" > "$STAMPS/npm"
fi

# 2. Temporal CLI (dev server + UI) and time-skipping test server.
bash scripts/temporal-binaries.sh

# 3. Prisma: per-provider schemas and generated clients follow prisma/models.prisma.
PRISMA="node node_modules/prisma/build/index.js"
schema_hash=$(hash_of prisma/models.prisma scripts/prisma-schemas.ts package-lock.json)
if [ "$(cat "$STAMPS/prisma" 2>/dev/null)" != "$schema_hash" ] || [ ! -d generated/prisma-sqlite ] || [ ! -d generated/prisma-postgres ]; then
  log "generating Prisma clients"
  npx tsx scripts/prisma-schemas.ts >&2
  for p in sqlite postgres; do
    $PRISMA generate --config prisma/prisma.config.ts --schema "prisma/$p/schema.prisma" >&2
  done
  echo "$schema_hash" > "$STAMPS/prisma"
fi

# 4. Migrations (Prisma's own migrate deploy) for the configured database, and the test database.
migrate() { # url
  local key
  key=$(printf '%s' "$1" | sha256sum | cut -c1-12)
  local want
  want=$(hash_of prisma/*/migrations/*/migration.sql)
  if [ "$(cat "$STAMPS/migrate-$key" 2>/dev/null)" = "$want" ] && { [[ "$1" != file:* ]] || [ -f "${1#file:}" ]; }; then return 0; fi
  log "migrate deploy (${1%%:*})"
  DATABASE_URL="$1" $PRISMA migrate deploy --config prisma/prisma.config.ts >&2
  echo "$want" > "$STAMPS/migrate-$key"
}
DATA_DIR_ABS=$(mkdir -p "${DATA_DIR:-.data}" && cd "${DATA_DIR:-.data}" && pwd)
migrate "${DATABASE_URL:-file:$DATA_DIR_ABS/leadflow.db}"
if [ -n "${LEADFLOW_TEST_DATABASE_URL:-}" ]; then migrate "$LEADFLOW_TEST_DATABASE_URL"; fi

# 5. For `npm test` only (--test): Schemathesis, pinned, in its own venv, for test/api.schemathesis.test.ts.
SCHEMATHESIS_VERSION=4.32.5
if [ "${1:-}" = "--test" ] && { [ "$(cat "$STAMPS/schemathesis" 2>/dev/null)" != "$SCHEMATHESIS_VERSION" ] || [ ! -x .tools/schemathesis/bin/schemathesis ]; }; then
  log "installing schemathesis $SCHEMATHESIS_VERSION"
  if python3 -m venv .tools/schemathesis >&2 && .tools/schemathesis/bin/pip install --disable-pip-version-check -q "schemathesis==$SCHEMATHESIS_VERSION" >&2; then
    echo "$SCHEMATHESIS_VERSION" > "$STAMPS/schemathesis"
  else
    log "schemathesis could not be installed (needs python3 with venv); test/api.schemathesis.test.ts will fail"
  fi
fi

log "ready in $(( $(date +%s) - t0 )) s"
