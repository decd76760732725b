#!/usr/bin/env bash
# Resident memory before and after a minute of load on the blob path (wrk -t2 -c64, blob cached present), read from
# /proc/<pid>/status, side by side in one run, one app loaded at a time (the others idle):
#   original         the original Go service (../shared/peers/archeio-go/archeio), configured by its environment only
#   Archeio-default  Archeio (NativeAOT), default logging: an access-log line per request, JSON to a file
#   Archeio-nolog    the same binary with the access log off (Logging:AccessSampleRate 0), as before issue 18
#   baseline         bench/Minimal307 (NativeAOT, a fixed 307)
# The load is a no-cloud client's blob (the one blob path the original serves offline: its mirror is
# DEFAULT_AWS_BASE_URL on the loopback mirror); CLIENT=aws loads the AWS eu-west-3 client's blob instead (the
# measurement before issue 18), without the original (its AWS clients HEAD production S3 buckets, unreachable here).
#
#   bench/memory.sh                       # builds the .NET apps (about 2 min), then about 4.5 min of load
#   BENCH_SKIP_BUILD=1 bench/memory.sh    # reuse the binaries in $BENCH_OUT (default /tmp/archeio-bench)
#   SNAPSHOTS=0 bench/memory.sh            # the measured starts parse the range JSON (no snapshots yet)
#   MODE=distinct bench/memory.sh         # every request a new digest (a HEAD and a cache entry each); no baseline
#
# Knobs: LOAD (wrk -d, default 60s), THREADS (2), CONNECTIONS (64), BASELINE (1: also load the baseline),
# NOLOG (1: also load Archeio-nolog), ORIGINAL (1: also the original), CLIENT (nocloud | aws),
# QUIET_WAIT (default 10 s here, to stay under 5 minutes).
# Output: a markdown report on stdout and in bench/results/memory-<UTC time>.md, with the targets (issue 18):
# Archeio-default's RSS after the load ≤ 40 MiB and ≤ 1.6 × the original's.
source "$(dirname "$0")/lib/common.sh"
require wrk python3 dotnet curl bc

LOAD="${LOAD:-60s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
MODE="${MODE:-cached}"
BASELINE="${BASELINE:-1}"
NOLOG="${NOLOG:-1}"
CLIENT="${CLIENT:-nocloud}"
QUIET_WAIT="${QUIET_WAIT:-10}"
case "$CLIENT" in
    nocloud) XFF="$XFF_NOCLOUD" ;;
    aws) XFF="$XFF_AWS"; ORIGINAL=0 ;;
    *) log "CLIENT: nocloud or aws"; exit 2 ;;
esac
require_original
# SNAPSHOTS=1 (default): an unmeasured start first writes the range snapshots, so the measured ones start as a
# restarted replica does; SNAPSHOTS=0: the measured starts parse the JSON (a node's first start).
SNAPSHOTS="${SNAPSHOTS:-1}"
STATS="$REPO/bench/lib/wrkstats.py"
started_all=$SECONDS
BUILD_SECONDS=0
build_binaries

prepare_archeio
if [[ "$SNAPSHOTS" == 1 ]]; then
    started_before=("${STARTED_PIDS[@]}")
    start_archeio "$archeio_port" "$WORK/archeio.json" "$WORK/archeio-first.log"; wait_port "$archeio_port"; stop_pid "$STARTED_PID"
    STARTED_PIDS=("${started_before[@]}")
    snapshot_note="present (an unmeasured start wrote them first, as for a restarted replica; SNAPSHOTS=0 measures a first start, which parses the JSON)"
else
    # Both instances would share the cache directory: without one, neither finds a snapshot.
    sed -i '/"RangesRefresh"/d' "$WORK/archeio.json" "$WORK/archeio-default.json"
    snapshot_note="absent (no cache directory: the measured starts parse the JSON, as a node's first start does)"
fi
apps=()
if [[ "$ORIGINAL" == 1 ]]; then
    original_port=$(free_port)
    while [[ "$PORTS_TAKEN" == *" $original_port "* ]]; do original_port=$(free_port); done
    PORTS_TAKEN+="$original_port "
    start_original "$original_port" "$mirror_port" "$WORK/original.log"
    apps+=("original $STARTED_PID $original_port")
fi
start_archeio_default "$archeio_default_port" "$WORK/archeio-default.json" "$WORK/archeio-default.log"
apps+=("Archeio-default $STARTED_PID $archeio_default_port")
if [[ "$NOLOG" == 1 ]]; then
    start_archeio "$archeio_port" "$WORK/archeio.json" "$WORK/archeio.log"
    apps+=("Archeio-nolog $STARTED_PID $archeio_port")
fi
if [[ "$BASELINE" == 1 && "$MODE" != distinct ]]; then
    baseline_port=$(free_port)
    while [[ "$PORTS_TAKEN" == *" $baseline_port "* ]]; do baseline_port=$(free_port); done
    start_minimal "$baseline_port" 307 "$WORK/baseline.log"
    apps+=("baseline $STARTED_PID $baseline_port")
fi
wait_port "$mirror_port"
for entry in "${apps[@]}"; do read -r _ _ port <<<"$entry"; wait_port "$port"; done

script_args=()
[[ "$MODE" == distinct ]] && script_args=(-s "$REPO/bench/lib/distinct-digests.lua")

# load NAME PID PORT: RSS at start, every 10 s under load, after; wrk's summary. Appends table rows to $WORK/rows.md
# and "name rss-after-KiB requests" to $WORK/after.txt.
: >"$WORK/rows.md"; : >"$WORK/samples.md"; : >"$WORK/after.txt"
LOCATIONS=""
load() {
    local name=$1 pid=$2 port=$3 before after hwm out sampler answer
    if ! kill -0 "$pid" 2>/dev/null; then
        log "$name (pid $pid) is not running; skipped. Its log:"; tail -n 20 "$WORK"/*.log >&2
        LOCATIONS+="| $name | (not running: skipped) |"$'\n'
        return 0
    fi
    answer=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H "X-Forwarded-For: $XFF" "http://127.0.0.1:$port$BLOB_PATH") \
        || log "$name: the warm-up request on port $port failed (curl: $answer)"
    LOCATIONS+="| $name | \`$answer\` |"$'\n'
    sleep 1
    before=$(rss_kib "$pid")
    out="$WORK/wrk-$name.txt"
    ( i=0; while sleep 10; do i=$((i + 10)); printf '| %s | %s | %s |\n' "$name" "$i" "$(( $(rss_kib "$pid") / 1024 ))" >>"$WORK/samples.md"; done ) &
    sampler=$!
    local s0 s1; s0=$(cpu_snapshot "${STARTED_PIDS[@]}")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$LOAD" --latency "${script_args[@]}" -H "X-Forwarded-For: $XFF" "http://127.0.0.1:$port$BLOB_PATH" >"$out"
    s1=$(cpu_snapshot "${STARTED_PIDS[@]}")
    kill "$sampler"; wait "$sampler" 2>/dev/null || true
    after=$(rss_kib "$pid"); hwm=$(hwm_kib "$pid")
    sleep 5
    local settled; settled=$(rss_kib "$pid")
    read -r rps p50 p99 requests bad errors < <(python3 "$STATS" parse "$out")
    log "$name: RSS $before KiB before, $after KiB after, $settled KiB 5 s later, peak $hwm KiB; $rps req/s, $requests requests"
    printf '| %s | %.1f | %.1f | %.1f | %.1f | %s | %s | %s | %s | %s |\n' "$name" "$(bc -l <<<"$before/1024")" "$(bc -l <<<"$after/1024")" \
        "$(bc -l <<<"$settled/1024")" "$(bc -l <<<"$hwm/1024")" "$requests" "$rps" "$p99" "$bad" "$(other_cpu "$s0" "$s1")" >>"$WORK/rows.md"
    echo "$name $after $requests" >>"$WORK/after.txt"
}

wait_quiet

# One app under load at a time, the others idle.
for entry in "${apps[@]}"; do
    read -r name pid port <<<"$entry"
    load "$name" "$pid" "$port"
done
archeio_requests=$(awk '$1 == "Archeio-default" { print $3 }' "$WORK/after.txt")
access_lines=$(grep -c '"EventId":1,' "$WORK/archeio-default.log" || true)
log_mib=$(( $(stat -c %s "$WORK/archeio-default.log") / 1048576 ))
total=$((SECONDS - started_all))

if [[ "$MODE" == distinct ]]; then
    # Every request added one entry (up to BlobCheck:MaxEntries, default 1,000,000); docs/performance.md: 60.2 bytes per entry when full.
    entries=$(( archeio_requests < 1000000 ? archeio_requests : 1000000 ))
    cache_note="$entries distinct digests checked by Archeio-default (one HEAD each): the blob cache's documented size is about $(bc -l <<<"scale=1; $entries*60.2/1048576") MiB (60.2 bytes per entry, docs/performance.md; up to 105 bytes between array doublings)"
else
    cache_note="one digest: one cache entry per mirror asked, a documented size of about 0 MiB (60.2 bytes per entry)"
fi
original_line="not measured (ORIGINAL=0)"
[[ $CLIENT == aws ]] && original_line="not measured (CLIENT=aws: its AWS clients HEAD production S3 buckets)"
[[ "$ORIGINAL" == 1 ]] && original_line="\`$ORIGINAL_BIN\` (sha256 $(sha256sum "$ORIGINAL_BIN" | cut -c1-12)), environment: PORT, UPSTREAM_REGISTRY_ENDPOINT=https://upstream.example, UPSTREAM_REGISTRY_PATH=images, DEFAULT_AWS_BASE_URL=http://127.0.0.1:<mirror>/default"

report=$(results_file memory)
{
    echo "# bench/memory.sh — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(machine_line). Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "Command: \`bench/memory.sh\` (MODE=$MODE CLIENT=$CLIENT LOAD=$LOAD THREADS=$THREADS CONNECTIONS=$CONNECTIONS ORIGINAL=$ORIGINAL NOLOG=$NOLOG BASELINE=$BASELINE)."
    echo "Archeio and the baseline NativeAOT (\`dotnet publish -c Release -r linux-x64 -p:PublishAot=true\`): Archeio from src/Archeio at commit"
    echo "$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src || echo ' (with uncommitted changes in src/)'), the baseline bench/Minimal307. The original: $original_line."
    echo "Archeio as in bench/http.sh (the three clouds' ranges from local files, the mirror a local Minimal307 answering 200):"
    echo "Archeio-default with the logging settings at their defaults (access log on, JSON to standard output redirected to a file:"
    echo "$access_lines access-log lines, $log_mib MiB, over the run), Archeio-nolog with \`Logging:AccessSampleRate\` 0."
    echo "Load, one app at a time, the others idle: \`wrk -t$THREADS -c$CONNECTIONS -d$LOAD --latency"
    echo "-H 'X-Forwarded-For: $XFF'\` on \`$BLOB_PATH\`$([[ $MODE == distinct ]] && echo ' with bench/lib/distinct-digests.lua (a new digest per request)'),"
    echo "after one request and 1 s idle (\"before\"). VmRSS and VmHWM (peak) from /proc/<pid>/status; \"settled\" is 5 s after the load."
    echo "Range snapshots in the cache directory: $snapshot_note."
    echo "Blob cache: $cache_note."
    echo "Wall time of the script: ${total} s (build ${BUILD_SECONDS} s). Before measuring, $QUIET_NOTE;"
    echo "\"other CPU\": the share of the machine used by processes other than wrk, the servers and the mirror during the load."
    echo
    echo "What the warm-up request got:"
    echo
    echo "| app | status and Location |"
    echo "| --- | --- |"
    printf '%s' "$LOCATIONS"
    echo
    echo "| app | RSS before (MiB) | RSS after $LOAD of load (MiB) | RSS settled (MiB) | peak RSS (MiB) | requests | req/s | p99 (ms) | non-2xx/3xx | other CPU (%) |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    cat "$WORK/rows.md"
    echo
    echo "Targets (issue 18): Archeio-default's RSS after the load ≤ 40 MiB$([[ $MODE == distinct ]] && echo ' (plus the cache above)') and ≤ 1.6 × the original's."
    echo
    python3 - "$WORK/after.txt" "$MODE" <<'PY'
import sys
after = {l.split()[0]: int(l.split()[1]) / 1024 for l in open(sys.argv[1]) if l.strip()}
a = after["Archeio-default"]
print("| measure | value | target | met |")
print("| --- | ---: | ---: | --- |")
note = " (before the cache allowance)" if sys.argv[2] == "distinct" else ""
print(f"| Archeio-default RSS after the load | {a:.1f} MiB | ≤ 40 MiB | {'yes' if a <= 40 else 'no'}{note} |")
if "original" in after:
    r = a / after["original"]
    print(f"| Archeio-default / original RSS after the load | {r:.2f} | ≤ 1.6 | {'yes' if r <= 1.6 else 'no'} |")
else:
    print("| Archeio-default / original RSS after the load | n/a | ≤ 1.6 | n/a |")
if "Archeio-nolog" in after:
    print(f"| Archeio-default − Archeio-nolog (what the access log adds) | {a - after['Archeio-nolog']:+.1f} MiB | | |")
if "baseline" in after:
    print(f"| Archeio-default / baseline (for comparison) | {a / after['baseline']:.2f} | | |")
PY
    echo
    echo "RSS under load, every 10 s:"
    echo
    echo "| app | seconds | RSS (MiB) |"
    echo "| --- | ---: | ---: |"
    cat "$WORK/samples.md"
} | tee "$report"
log "saved $report"
