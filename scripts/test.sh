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

# The end-to-end test bed: a real registry, pull clients, object stores, a load balancer; and the NativeAOT
# toolchain's zlib (the machine's gcc links; the Dockerfile installs clang) for the test that replays the Dockerfile's publish step;
# wrk for the bounded load test (Security/LoadTests).
packages=(docker-registry skopeo podman containerd docker.io nginx umoci redis-server zlib1g-dev python3 wrk chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "scripts/test.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Packages start their services on install; the tests start their own, on other ports.
for service in nginx docker-registry containerd docker redis-server; do
  if command -v systemctl >/dev/null 2>&1; then systemctl stop "$service" >/dev/null 2>&1 || true; fi
done
if [ ! -x .tools/node_modules/.bin/s3rver ]; then
  echo "scripts/test.sh: installing s3rver into .tools"
  mkdir -p .tools
  npm install --prefix .tools --no-audit --no-fund --silent s3rver@3 >/dev/null
fi
# npm packages pinned to exact versions, so that the tests meet what they were written against; a pin that
# changes here is installed over the old one. Usage: install_pinned <what> <name@version>...
install_pinned() {
  local what=$1 spec name version
  shift
  local missing=()
  for spec in "$@"; do
    name=${spec%@*}
    version=${spec##*@}
    grep -qs "\"version\": \"${version}\"" ".tools/node_modules/${name}/package.json" || missing+=("$spec")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "scripts/test.sh: installing ${missing[*]} into .tools (${what})"
    mkdir -p .tools
    npm install --prefix .tools --no-audit --no-fund --silent --save-exact "${missing[@]}" >/dev/null
  fi
}
# The real geolocation databases for the Geo tests (CC BY 4.0; attribution in docs/configuration.md).
install_pinned "geolocation databases" @ip-location-db/geo-whois-asn-country-mmdb@2.3.2026061719 @ip-location-db/asn@2.3.2026061719
# The signing test bed (tests/TestBed/signing): Azurite checks SAS signatures itself; the S3 and CloudFront fronts
# verify with AWS's own JavaScript signers, never with the code under test.
install_pinned "signing test bed" azurite@3.37.0 @smithy/signature-v4@5.7.5 @aws-crypto/sha256-js@5.2.0 @smithy/core@3.41.1 @aws-sdk/cloudfront-signer@3.1166.0

results=artifacts/test-results
rm -rf "$results"
dotnet restore Archeio.slnx
dotnet build Archeio.slnx -c Release --no-restore
status=0
dotnet test Archeio.slnx -c Release --no-build \
  --logger "console;verbosity=normal" --logger trx --results-directory "$results" "$@" || status=$?

# One plain closing line, summed over the TRX counters of every test project (each project writes its own, under the logger's default, timestamped name).
counters=$(grep -ho '<Counters [^>]*>' "$results"/*.trx 2>/dev/null || true)
passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters" | awk '{ n += $1 } END { print n + 0 }')
failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters" | awk '{ n += $1 } END { print n + 0 }')
if [ -z "$passed" ] || [ "$passed" = 0 ]; then
  echo "scripts/test.sh: no test ran" >&2
  exit 1
fi
# The end-to-end bed's tables (tests/Archeio.Tests/EndToEnd): the pull matrix, the pull-conformance suite run
# against Distribution and through Archeio, and what each client does when a download is cut.
print_table() {
  if [ -f "$results/$1" ]; then
    echo
    echo "$2"
    cat "$results/$1"
    echo
  fi
}
print_table pull-matrix.md "Pull matrix (client x location x image, and the bed's other cases):"
print_table conformance.md "Pull conformance (OCI distribution-spec), against Distribution and through Archeio:"
print_table interrupted-downloads.md "Interrupted downloads (per client, after a cut connection):"
print_table upstream-failover.md "Upstream failover (the first upstream killed mid-run; every client's next pull):"
# The failed tests, by name with the first lines of their messages, last, so that a CI log's tail says what broke.
if [ "${failed:-0}" != 0 ]; then
  echo
  echo "Failed tests:"
  python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for trx in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    for result in ET.parse(trx).getroot().iterfind(".//t:UnitTestResult", ns):
        if result.get("outcome") != "Failed":
            continue
        message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=ns).strip()
        print("- " + result.get("testName", "?"))
        for line in message.splitlines()[:6]:
            print("    " + line[:300])
PY
fi
echo "${passed} passed, ${failed:-0} failed"
exit "$status"
