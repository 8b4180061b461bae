#!/usr/bin/env bash
# Runs every test of the solution and ends with one line: "N passed, N failed, N skipped".
# Usage: scripts/test.sh [extra dotnet test arguments]
set -uo pipefail
cd "$(dirname "$0")/.."

# The integration tests start real Consul agents: find or install one (Debian's package, into .tools/).
if ! CONSUL_BIN="$(bash scripts/install-consul.sh)"; then
  echo "scripts/test.sh: could not find or install consul (see scripts/install-consul.sh)" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
export CONSUL_BIN

# The dashboard's browser test drives Debian's Chromium with Playwright: find or install it (apt-get, as root).
if ! CHROMIUM_BIN="$(bash scripts/install-chromium.sh)"; then
  echo "scripts/test.sh: could not find or install chromium (see scripts/install-chromium.sh)" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
export CHROMIUM_BIN

# Mesh.Server's xDS tests drive Google's proxyless gRPC client for Node (tests/xds-node): install its locked packages.
if ! command -v npm >/dev/null 2>&1; then
  echo "scripts/test.sh: npm is missing; Mesh.Server's xDS tests need Node.js and npm (tests/xds-node)" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
if ! (cd tests/xds-node && npm ci --no-audit --no-fund --loglevel=error); then
  echo "scripts/test.sh: 'npm ci' failed in tests/xds-node" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

dotnet test Mesh.sln "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# Microsoft.Testing.Platform ends with "Test run summary" and total/failed/succeeded/skipped lines.
count() { grep -E "^\s+$1: [0-9]+" "$log" | tail -1 | grep -oE '[0-9]+' || echo 0; }
passed=$(count succeeded)
failed=$(count failed)
skipped=$(count skipped)
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The build or the runner failed before any test could fail: count that as a failure.
  failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$rc"
