#!/usr/bin/env bash
# Load (issue 9, property 6): the NativeAOT build of Archeio under a bounded wrk run of mixed requests — blobs (GET and
# HEAD), manifests by tag and digest, tags lists with and without paging, referrers — from clients across clouds
# (AWS, GCP, Azure, no cloud, IPv6, IPv4-mapped; bench/lib/mixed.lua). Every answer must be a 307 to the upstream
# or one of the two mirrors: the script fails on any socket error, unexpected status or foreign Location.
# RSS is read from /proc every SAMPLE_EVERY seconds.
#
#   bench/load.sh                           # builds both binaries (about 2 min), then 60 s of load
#   BENCH_SKIP_BUILD=1 bench/load.sh        # reuse the binaries in $BENCH_OUT (default /tmp/archeio-bench)
#   bench/soak.sh                           # the same for 10 minutes, with the verdict on RSS (flat or not)
#
# Knobs: DURATION (seconds, default 60), THREADS (2), CONNECTIONS (64), SAMPLE_EVERY (seconds, default 10).
# Output: a markdown report on stdout and in bench/results/load-<UTC time>.md (soak-… for bench/soak.sh).
source "$(dirname "$0")/lib/common.sh"
require wrk python3 dotnet curl

DURATION="${DURATION:-60}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
SAMPLE_EVERY="${SAMPLE_EVERY:-10}"
REPORT_NAME="${REPORT_NAME:-load}"
STATS="$REPO/bench/lib/wrkstats.py"
started_all=$SECONDS
BUILD_SECONDS=0
build_binaries

prepare_archeio
start_archeio "$archeio_port" "$WORK/archeio.json" "$WORK/archeio.log"; archeio_pid=$STARTED_PID
wait_port "$mirror_port"; wait_port "$archeio_port"
export ALLOWED="http://127.0.0.1:$mirror_port/aws/containers/images/,http://127.0.0.1:$mirror_port/default/containers/images/,https://upstream.example/v2/images/"

wait_quiet
rss_before=$(rss_kib "$archeio_pid")
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s --latency -s "$REPO/bench/lib/mixed.lua" "http://127.0.0.1:$archeio_port/" >"$WORK/wrk.txt" &
wrk_pid=$!
: >"$WORK/rss.tsv"
elapsed=0
while kill -0 "$wrk_pid" 2>/dev/null; do
    sleep "$SAMPLE_EVERY"; elapsed=$((elapsed + SAMPLE_EVERY))
    kill -0 "$archeio_pid" 2>/dev/null || { log "Archeio exited during the load"; cat "$WORK/archeio.log" >&2; exit 1; }
    kill -0 "$wrk_pid" 2>/dev/null && printf '%s\t%s\n' "$elapsed" "$(rss_kib "$archeio_pid")" >>"$WORK/rss.tsv"
done
wait "$wrk_pid"
rss_after=$(rss_kib "$archeio_pid"); hwm=$(hwm_kib "$archeio_pid")
sleep 5
rss_settled=$(rss_kib "$archeio_pid")
read -r rps p50 p99 requests non23 errors < <(python3 "$STATS" parse "$WORK/wrk.txt")
mixed=$(grep '^mixed:' "$WORK/wrk.txt")
unexpected=$(sed -E 's/.*unexpected_status=([0-9]+).*/\1/' <<<"$mixed")
bad=$(sed -E 's/.*bad_location=([0-9]+).*/\1/' <<<"$mixed")
responses=$(sed -E 's/.*responses=([0-9]+).*/\1/' <<<"$mixed")
total=$((SECONDS - started_all))

# Flat: over the second half of the run the RSS grows by less than 4 MiB (the samples of the first half include the
# caches and pools filling up).
verdict=$(python3 - "$WORK/rss.tsv" <<'PY'
import sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
if len(rows) < 4:
    print("too few samples for a verdict")
else:
    half = rows[len(rows) // 2:]
    growth = (max(r for _, r in half) - half[0][1]) / 1024
    print(f"{'flat' if growth < 4 else 'GROWING'}: {growth:+.1f} MiB over the second half ({half[0][0]} s to {half[-1][0]} s)")
PY
)

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
failed=0
[[ "$errors" == 0 && "$non23" == 0 && "$unexpected" == 0 && "$bad" == 0 ]] || failed=1

report=$(results_file "$REPORT_NAME")
{
    echo "# bench/$REPORT_NAME.sh — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(machine_line)."
    echo
    echo "Command: \`bench/$REPORT_NAME.sh\` (DURATION=$DURATION THREADS=$THREADS CONNECTIONS=$CONNECTIONS SAMPLE_EVERY=$SAMPLE_EVERY):"
    echo "\`wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --timeout 5s --latency -s bench/lib/mixed.lua\` against the NativeAOT build of"
    echo "src/Archeio at commit $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src || echo ' (with uncommitted changes in src/)') (access log off,"
    echo "the three clouds' ranges from local files, two mirrors on a local Minimal307 answering 200). The mix: blob GET and HEAD"
    echo "over 64 digests, manifests by tag and by digest, tags lists, referrers; clients in AWS eu-west-3 and us-east-1, GCP,"
    echo "Azure, no cloud, over IPv4, IPv6 and IPv4-mapped IPv6. Expected: every answer a 307 to the upstream or a mirror."
    echo "Wall time of the script: ${total} s (build ${BUILD_SECONDS} s). Before measuring, $QUIET_NOTE."
    echo
    echo "| requests | req/s | p50 (ms) | p99 (ms) | socket errors | non-2xx/3xx | not 307 | Location elsewhere | RSS before (MiB) | RSS at the end (MiB) | 5 s later | peak (MiB) |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %.1f | %.1f | %.1f | %.1f |\n' "$requests" "$rps" "$p50" "$p99" "$errors" "$non23" "$unexpected" "$bad" \
        "$(mib "$rss_before")" "$(mib "$rss_after")" "$(mib "$rss_settled")" "$(mib "$hwm")"
    echo
    echo "Responses checked by the script: $responses ($mixed). RSS: $verdict."
    echo
    echo "| seconds | RSS (MiB) |"
    echo "| ---: | ---: |"
    awk -F'\t' '{ printf "| %s | %.1f |\n", $1, $2 / 1024 }' "$WORK/rss.tsv"
    echo
    if ((failed)); then echo "**FAILED**: errors or unexpected answers (see above)."; else echo "Result: no errors, every answer as expected."; fi
} | tee "$report"
log "saved $report"
exit "$failed"
