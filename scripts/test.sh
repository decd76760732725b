#!/usr/bin/env bash
# Installs what the tests need (idempotently), then runs every test.
# Usage: scripts/test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

# The test host and the loopback test servers need the loopback interface up.
if command -v ip >/dev/null 2>&1 && ! ip -o link show lo 2>/dev/null | grep -q 'UP'; then
  ip link set lo up 2>/dev/null || true
fi

# The end-to-end tests read the real cloud range files beside the repository.
if [ ! -d ../shared/data/cloud-ranges ]; then
  echo "scripts/test.sh: ../shared/data/cloud-ranges is missing (the shared data must sit beside the repository)" >&2
  exit 1
fi

dotnet --version >/dev/null
dotnet restore Archeio.slnx
dotnet build Archeio.slnx -c Release --no-restore
dotnet test Archeio.slnx -c Release --no-build --logger "console;verbosity=normal" "$@"
