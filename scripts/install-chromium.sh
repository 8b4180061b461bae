#!/usr/bin/env bash
# Prints the path of a Chromium for the browser tests (tests/Mesh.Dashboard.Tests), installing Debian's
# package if needed. Order: $CHROMIUM_BIN, /usr/bin/chromium, else `apt-get install chromium` (needs root,
# or sudo without a password). Idempotent; progress goes to stderr, the path alone to stdout.
set -euo pipefail

for candidate in "${CHROMIUM_BIN:-}" /usr/bin/chromium "$(command -v chromium || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "$candidate"
    exit 0
  fi
done

if ! command -v apt-get >/dev/null; then
  echo "install-chromium: no chromium and no apt-get to install one; install Chromium or set CHROMIUM_BIN." >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "install-chromium: installing Debian's chromium needs root (or sudo); or set CHROMIUM_BIN." >&2
    exit 1
  fi
fi

echo "install-chromium: installing Debian's chromium with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get -qq update >&2
"${sudo[@]}" apt-get -qq install -y --no-install-recommends chromium >&2

if [ ! -x /usr/bin/chromium ]; then
  echo "install-chromium: apt-get installed chromium but /usr/bin/chromium is missing" >&2
  exit 1
fi
echo /usr/bin/chromium
