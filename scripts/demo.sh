#!/usr/bin/env bash
# Installs the workspace and runs a short demo of the library (no server needed).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
pnpm demo
