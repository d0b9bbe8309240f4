#!/usr/bin/env bash
# Runs the whole cachestack test suite, on a fresh machine too: it installs
# what the suite needs (pnpm, redis-server, the workspace's packages) first.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Redis suites start their own redis-server processes on loopback ports.
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "› installing redis-server and redis-tools"
  if [ "$(id -u)" = 0 ]; then as_root=(); elif command -v sudo >/dev/null 2>&1; then as_root=(sudo); else
    echo "redis-server is missing and this user cannot install it: run 'apt-get install -y redis-server redis-tools' as root" >&2
    exit 1
  fi
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq redis-server redis-tools
fi

source scripts/setup.sh

rm -f packages/*/test-results.json benchmarks/test-results.json
status=0
pnpm test || status=$?
node scripts/test-summary.mjs || true
exit "$status"
