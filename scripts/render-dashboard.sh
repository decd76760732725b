#!/usr/bin/env bash
# Renders deploy/grafana/archeio.json to docs/images/dashboard.png from Prometheus scrapes of Archeio's
# /metrics, offline (no Grafana): see scripts/render-dashboard.py for how values are computed.
#
#   scripts/render-dashboard.sh deploy/grafana/sample/scrape-*.prom        # the synthetic sample
#   scripts/render-dashboard.sh --wait 30 http://127.0.0.1:9090/metrics    # a running server, two scrapes 30 s apart
#   scripts/render-dashboard.sh --interval 15 a.prom b.prom c.prom          # saved scrapes, 15 s apart
#
# Needs python3 and headless Chromium; as root, installs Debian's chromium when it is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  else
    echo "render-dashboard: chromium is not installed (sudo apt-get install -y chromium)" >&2
    exit 1
  fi
fi
exec python3 "$here/render-dashboard.py" "$@"
