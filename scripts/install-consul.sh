#!/usr/bin/env bash
# Prints the path of a consul binary (1.8 or later), installing one into .tools/ if needed.
# Order: $CONSUL_BIN, a consul on PATH, .tools/consul/usr/bin/consul, else Debian bullseye's
# consul package fetched with apt-get into .tools/ without touching the system's apt sources.
# Idempotent; progress goes to stderr, the path alone to stdout.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
local_bin="$tools/consul/usr/bin/consul"

version_ok() {
  # consul version prints "Consul v1.8.7"; accept 1.8 and later.
  local v
  v="$("$1" version 2>/dev/null | sed -n 's/^Consul v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p' | head -1)"
  [ -n "$v" ] || return 1
  set -- $v
  [ "$1" -gt 1 ] || { [ "$1" -eq 1 ] && [ "$2" -ge 8 ]; }
}

for candidate in "${CONSUL_BIN:-}" "$(command -v consul || true)" "$local_bin"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && version_ok "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done

if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
  echo "install-consul: no consul 1.8+ on PATH and no apt-get to fetch one." >&2
  echo "Install Consul (https://developer.hashicorp.com/consul/install) or set CONSUL_BIN." >&2
  exit 1
fi

# The mirror this machine's own apt sources name (deb822 "URIs:" lines or one-line "deb" entries).
mirror="$( { sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null
             sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
           } | tr ' ' '\n' | grep -E '^https?://' | grep -v -- '-security' | head -1 || true)"
mirror="${mirror:-http://deb.debian.org/debian}"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

work="$tools/apt"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$tools/consul"
echo "deb [signed-by=$keyring] ${mirror%/} bullseye main" > "$work/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/nonexistent
          -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Debug::NoLocking=1)

echo "install-consul: fetching Debian bullseye's consul from $mirror" >&2
apt-get "${apt_opts[@]}" -qq update >&2
(cd "$work" && apt-get "${apt_opts[@]}" -qq download consul >&2)
deb="$(ls -t "$work"/consul_*.deb | head -1)"
dpkg-deb -x "$deb" "$tools/consul"

if ! version_ok "$local_bin"; then
  echo "install-consul: $local_bin does not run or is older than 1.8" >&2
  exit 1
fi
echo "$local_bin"
