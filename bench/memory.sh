#!/usr/bin/env bash
# Resident memory of the NativeAOT build of Archeio before and after a minute of load on the blob path
# (wrk -t2 -c64, AWS client, blob cached present), read from /proc/<pid>/status; the same load on the
# bench/Minimal307 baseline in the same run for comparison.
#
#   bench/memory.sh                       # builds both (about 2 min), then about 2.2 min of load
#   BENCH_SKIP_BUILD=1 bench/memory.sh    # reuse the binaries in $BENCH_OUT (default /tmp/archeio-bench)
#   SNAPSHOTS=0 bench/memory.sh            # the measured start parses the range JSON (no snapshots yet)
#   MODE=distinct bench/memory.sh         # every request a new digest (a HEAD and a cache entry each)
#
# Knobs: LOAD (wrk -d, default 60s), THREADS (2), CONNECTIONS (64), BASELINE (1: also load the baseline).
# Output: a markdown report on stdout and in bench/results/memory-<UTC time>.md.
source "$(dirname "$0")/lib/common.sh"
require wrk python3 dotnet curl

LOAD="${LOAD:-60s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
MODE="${MODE:-cached}"
BASELINE="${BASELINE:-1}"
# SNAPSHOTS=1 (default): an unmeasured start first writes the range snapshots, so the measured one starts as a
# restarted replica does; SNAPSHOTS=0: the measured start parses the JSON (a node's first start).
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
    snapshot_note="absent (the measured start parses the JSON, as a node's first start does)"
fi
start_archeio "$archeio_port" "$WORK/archeio.json" "$WORK/archeio.log"; archeio_pid=$STARTED_PID
baseline_port=$(free_port); start_minimal "$baseline_port" 307 "$WORK/baseline.log"; baseline_pid=$STARTED_PID
wait_port "$mirror_port"; wait_port "$archeio_port"; wait_port "$baseline_port"

script_args=()
[[ "$MODE" == distinct ]] && script_args=(-s "$REPO/bench/lib/distinct-digests.lua")

# load NAME PID PORT: RSS at start, every 10 s under load, after; wrk's summary. Appends table rows to $WORK/rows.md.
: >"$WORK/rows.md"; : >"$WORK/samples.md"
load() {
    local name=$1 pid=$2 port=$3 before after hwm out sampler
    curl -s -o /dev/null -H "X-Forwarded-For: $XFF_AWS" "http://127.0.0.1:$port$BLOB_PATH"
    sleep 1
    before=$(rss_kib "$pid")
    out="$WORK/wrk-$name.txt"
    ( i=0; while sleep 10; do i=$((i + 10)); printf '| %s | %s | %s |\n' "$name" "$i" "$(( $(rss_kib "$pid") / 1024 ))" >>"$WORK/samples.md"; done ) &
    sampler=$!
    local s0 s1; s0=$(cpu_snapshot "${STARTED_PIDS[@]}")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$LOAD" --latency "${script_args[@]}" -H "X-Forwarded-For: $XFF_AWS" "http://127.0.0.1:$port$BLOB_PATH" >"$out"
    s1=$(cpu_snapshot "${STARTED_PIDS[@]}")
    kill "$sampler"; wait "$sampler" 2>/dev/null || true
    after=$(rss_kib "$pid"); hwm=$(hwm_kib "$pid")
    sleep 5
    local settled; settled=$(rss_kib "$pid")
    read -r rps p50 p99 requests bad errors < <(python3 "$STATS" parse "$out")
    log "$name: RSS $before KiB before, $after KiB after, $settled KiB 5 s later, peak $hwm KiB; $rps req/s, $requests requests"
    printf '| %s | %.1f | %.1f | %.1f | %.1f | %s | %s | %s | %s | %s |\n' "$name" "$(bc -l <<<"$before/1024")" "$(bc -l <<<"$after/1024")" \
        "$(bc -l <<<"$settled/1024")" "$(bc -l <<<"$hwm/1024")" "$requests" "$rps" "$p99" "$bad" "$(other_cpu "$s0" "$s1")" >>"$WORK/rows.md"
    LAST_REQUESTS=$requests
}

wait_quiet

# With the baseline idle, Archeio first, then the baseline with Archeio idle.
load Archeio "$archeio_pid" "$archeio_port"
archeio_requests=$LAST_REQUESTS
[[ "$BASELINE" == 1 ]] && [[ "$MODE" != distinct ]] && load baseline "$baseline_pid" "$baseline_port"
total=$((SECONDS - started_all))

if [[ "$MODE" == distinct ]]; then
    # Every request added one entry (up to BlobCheck:MaxEntries, default 1,000,000); docs/performance.md: 60.2 bytes per entry when full.
    entries=$(( archeio_requests < 1000000 ? archeio_requests : 1000000 ))
    cache_note="$entries distinct digests checked (one HEAD each): the blob cache's documented size is about $(bc -l <<<"scale=1; $entries*60.2/1048576") MiB (60.2 bytes per entry, docs/performance.md; up to 105 bytes between array doublings)"
else
    cache_note="one digest, two mirrors: 2 cache entries, a documented size of about 0 MiB (60.2 bytes per entry)"
fi

report=$(results_file memory)
{
    echo "# bench/memory.sh — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(machine_line)."
    echo
    echo "Command: \`bench/memory.sh\` (MODE=$MODE LOAD=$LOAD THREADS=$THREADS CONNECTIONS=$CONNECTIONS). Both NativeAOT"
    echo "(\`dotnet publish -c Release -r linux-x64 -p:PublishAot=true\`): Archeio from src/Archeio at commit"
    echo "$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src || echo ' (with uncommitted changes in src/)'), the baseline bench/Minimal307. Archeio as in bench/http.sh (access log off, the three"
    echo "clouds' ranges from local files, the mirror a local Minimal307 answering 200). Load: \`wrk -t$THREADS -c$CONNECTIONS -d$LOAD --latency"
    echo "-H 'X-Forwarded-For: $XFF_AWS'\` on \`$BLOB_PATH\`$([[ $MODE == distinct ]] && echo ' with bench/lib/distinct-digests.lua (a new digest per request)'),"
    echo "after one request and 1 s idle (\"before\"). VmRSS and VmHWM (peak) from /proc/<pid>/status; \"settled\" is 5 s after the load."
    echo "Range snapshots in the cache directory: $snapshot_note."
    echo "Blob cache: $cache_note. Target: Archeio's RSS after the load ≤ 40 MB (38.1 MiB) plus that."
    echo "Wall time of the script: ${total} s (build ${BUILD_SECONDS} s). Before measuring, $QUIET_NOTE;"
    echo "\"other CPU\": the share of the machine used by processes other than wrk, the servers and the mirror during the load."
    echo
    echo "| app | RSS before (MiB) | RSS after $LOAD of load (MiB) | RSS settled (MiB) | peak RSS (MiB) | requests | req/s | p99 (ms) | non-2xx/3xx | other CPU (%) |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    cat "$WORK/rows.md"
    echo
    echo "RSS under load, every 10 s:"
    echo
    echo "| app | seconds | RSS (MiB) |"
    echo "| --- | ---: | ---: |"
    cat "$WORK/samples.md"
} | tee "$report"
log "saved $report"
