#!/usr/bin/env bash
# Geranos figures for docs/performance.md, on loopback with the test bed's real peers (Distribution 2.8 and
# s3rver from scripts/test.sh's installs):
#   1. throughput of a full sync of 1 GiB in 200 blobs (MB/s, CPU%), and the same with two destinations;
#   2. peak RSS while copying one 1 GiB blob;
#   3. time of a no-op re-sync of 500 manifests.
# Usage: bench/geranos.sh [work directory]   (about 2-4 minutes; needs ~6 GiB of disk in the work directory)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/geranos-bench.XXXXXX)}
mkdir -p "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 100); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

echo "== build (Release)"
dotnet build "$root/src/Geranos" -c Release -v q -nologo >/dev/null
geranos=(dotnet "$root/src/Geranos/bin/Release/net10.0/geranos.dll")

registry_port=$(free_port); s3_port=$(free_port)
mkdir -p "$work/registry" "$work/s3"
cat >"$work/registry/config.yml" <<YML
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $work/registry/storage }, maintenance: { uploadpurging: { enabled: false } } }
http: { addr: 127.0.0.1:$registry_port, secret: geranos-bench }
YML
docker-registry serve "$work/registry/config.yml" >"$work/registry.log" 2>&1 & pids+=($!)
registry_pid=$!
node --openssl-legacy-provider "$root/.tools/node_modules/s3rver/bin/s3rver.js" --directory "$work/s3" --address 127.0.0.1 --port "$s3_port" \
  --no-vhost-buckets --configure-bucket bench --silent >"$work/s3rver.log" 2>&1 & pids+=($!)
s3rver_pid=$!
wait_port "$registry_port"; wait_port "$s3_port"

echo "== push: 20 images x 10 layers x 5 MiB (1 GiB in 200 blobs), 1 image with a 1 GiB layer, 500 one-layer images"
push="$root/bench/geranos/push_images.py"
python3 "$push" "127.0.0.1:$registry_port" bench/gib 20 10 $((1073741824 / 200)) --seed 1
python3 "$push" "127.0.0.1:$registry_port" bench/huge 1 1 1073741824 --seed 2
python3 "$push" "127.0.0.1:$registry_port" bench/many 500 1 1024 --seed 3

export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_EC2_METADATA_DISABLED=true
s3=(--s3-endpoint "http://127.0.0.1:$s3_port" --s3-region us-east-1 --s3-path-style)
source=(--source "http://127.0.0.1:$registry_port")

# CPU seconds a process has used so far (utime + stime from /proc, in clock ticks).
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }

# Runs geranos under GNU time; prints "<seconds> <cpu%> <max RSS KiB> <s3rver cpu%>" and keeps the JSON summary.
measure() {
  local name=$1; shift
  local before; before=$(cpu_seconds "$s3rver_pid")
  /usr/bin/time -f "%e %P %M" -o "$work/$name.time" "${geranos[@]}" "$@" --json >"$work/$name.json" 2>"$work/$name.log" || {
    echo "geranos failed ($name):" >&2; tail -20 "$work/$name.log" >&2; exit 1; }
  local after; after=$(cpu_seconds "$s3rver_pid")
  read -r wall cpu rss <"$work/$name.time"
  echo "$wall $cpu $rss $(python3 -c "import sys; print(f'{100 * (float(sys.argv[2]) - float(sys.argv[1])) / float(sys.argv[3]):.0f}%')" "$before" "$after" "$wall")"
}

# The baseline: the same 200 blobs piped by curl from the registry into s3rver, 8 at a time, with no hashing or
# verification (what the two peers allow at most). Prints "<seconds> <s3rver cpu%>".
baseline() {
  python3 - "127.0.0.1:$registry_port" >"$work/gib-blobs.txt" <<'PY'
import http.client, json, sys
conn = http.client.HTTPConnection(sys.argv[1])
for i in range(20):
    conn.request("GET", f"/v2/bench/gib/manifests/t{i:04d}", headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    manifest = json.loads(conn.getresponse().read())
    for layer in manifest["layers"]:
        print(layer["digest"])
PY
  local before; before=$(cpu_seconds "$s3rver_pid")
  local start; start=$(date +%s.%N)
  cat >"$work/pipe.sh" <<SH
#!/bin/sh
set -e
f=\$(mktemp -p "$work")
curl -sf "http://127.0.0.1:$registry_port/v2/bench/gib/blobs/\$1" -o "\$f"
curl -sf -H "Expect:" -T "\$f" "http://127.0.0.1:$s3_port/bench/baseline/\$1" -o /dev/null
rm -f "\$f"
SH
  xargs -P 8 -n 1 sh "$work/pipe.sh" <"$work/gib-blobs.txt"
  local end; end=$(date +%s.%N)
  local after; after=$(cpu_seconds "$s3rver_pid")
  python3 -c "import sys; w=float(sys.argv[2])-float(sys.argv[1]); print(f'{w:.2f} {100*(float(sys.argv[4])-float(sys.argv[3]))/w:.0f}%')" "$start" "$end" "$before" "$after"
}

echo "== runs"
read -r tb sb < <(baseline)
read -r t1 c1 m1 s1 < <(measure gib sync "${source[@]}" --repository bench/gib --dest s3://bench/gib "${s3[@]}" --parallel 8)
read -r t2 c2 m2 s2 < <(measure gib2 sync "${source[@]}" --repository bench/gib --dest s3://bench/gib-a --dest s3://bench/gib-b "${s3[@]}" --parallel 8)
read -r t3 c3 m3 s3c < <(measure huge sync "${source[@]}" --repository bench/huge --dest s3://bench/huge "${s3[@]}")
measure many-first sync "${source[@]}" --repository bench/many --dest s3://bench/many "${s3[@]}" --parallel 8 >/dev/null
read -r t4 c4 m4 s4 < <(measure many-again sync "${source[@]}" --repository bench/many --dest s3://bench/many "${s3[@]}" --parallel 8)
copied=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["bytesCopied"], d["blobsCopied"])' "$work/gib.json")
again=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["tags"], d["manifestsRecorded"], d["blobsCopied"], d["sourceRequests"])' "$work/many-again.json")

mbs() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1e6 / float(sys.argv[2]):.1f}')" "$1" "$2"; }
read -r bytes blobs <<<"$copied"
read -r tags recorded recopied requests <<<"$again"
echo
echo "| run | wall s | MB/s | geranos CPU | s3rver CPU | geranos peak RSS |"
echo "|---|---|---|---|---|---|"
echo "| baseline: curl registry → file → curl PUT s3rver, 200 layers, 8 at a time, no verification | $tb | $(mbs $((200 * (1073741824 / 200))) "$tb") | - | $sb | - |"
echo "| geranos sync, $blobs blobs, $bytes bytes, 1 destination, --parallel 8 | $t1 | $(mbs "$bytes" "$t1") | $c1 | $s1 | $((m1 / 1024)) MiB |"
echo "| same, 2 destinations (one source read, 2 GiB written) | $t2 | $(mbs "$bytes" "$t2") | $c2 | $s2 | $((m2 / 1024)) MiB |"
echo "| one 1 GiB blob (16 MiB parts) | $t3 | $(mbs 1073741824 "$t3") | $c3 | $s3c | $((m3 / 1024)) MiB |"
echo "| no-op re-sync: $tags tags, $recorded recorded, $recopied copied, $requests source requests | $t4 | - | $c4 | $s4 | $((m4 / 1024)) MiB |"
echo
echo "work directory: $work (logs, JSON summaries)"
