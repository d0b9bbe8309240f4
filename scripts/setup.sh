#!/usr/bin/env bash
# Installs the workspace on a machine that has only Node.js 20 and npm:
# the pinned pnpm, then every package (better-sqlite3 compiles from source).
# Sourced by demo.sh and test.sh.
set -euo pipefail

pnpm_version="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$pnpm_version" ]; then
  echo "› installing pnpm@$pnpm_version"
  npm install --global "pnpm@$pnpm_version"
fi

# Let node-gyp use the local Node headers instead of downloading them.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi

pnpm install --frozen-lockfile
