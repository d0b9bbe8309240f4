#!/usr/bin/env bash
# The long reliability run (issue 22): 1,000 writers killed with SIGKILL during
# writes (file and SQLite), a 10-minute soak that fuzzes every adapter with
# rotating seeds, and the disk-fault scenarios (needs root for mount). It
# rewrites docs/reliability.md from the run's figures.
# Knobs (environment): RELIABILITY_KILLS (1000), RELIABILITY_SOAK_MS (600000),
# RELIABILITY_FUZZ_LENGTH (1000), RELIABILITY_SEED (unset: rotating seeds).
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm turbo run build --filter=@cachestack/reliability... --output-logs=errors-only
export RELIABILITY_KILLS="${RELIABILITY_KILLS:-1000}"
export RELIABILITY_SOAK_MS="${RELIABILITY_SOAK_MS:-600000}"
pnpm --filter @cachestack/reliability campaign
