#!/usr/bin/env bash
# Installs what the tests need (idempotently), then runs every test.
# Usage: scripts/test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

# The test host and the loopback test servers need the loopback interface up.
if command -v ip >/dev/null 2>&1 && ! ip -o link show lo 2>/dev/null | grep -q 'UP'; then
  ip link set lo up 2>/dev/null || true
fi

# The tests read the real cloud range files and mirror table beside the repository.
if [ ! -d ../shared/data/cloud-ranges ]; then
  echo "scripts/test.sh: ../shared/data/cloud-ranges is missing (the shared data must sit beside the repository)" >&2
  exit 1
fi

results=artifacts/test-results
rm -rf "$results"
dotnet restore Archeio.slnx
dotnet build Archeio.slnx -c Release --no-restore
status=0
dotnet test Archeio.slnx -c Release --no-build \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=archeio.trx" --results-directory "$results" "$@" || status=$?

# One plain closing line, from the TRX counters.
counters=$(grep -ho '<Counters [^>]*>' "$results"/*.trx 2>/dev/null | head -1 || true)
passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
if [ -z "$passed" ] || [ "$passed" = 0 ]; then
  echo "scripts/test.sh: no test ran" >&2
  exit 1
fi
echo "${passed} passed, ${failed:-0} failed"
exit "$status"
