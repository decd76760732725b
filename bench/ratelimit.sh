#!/usr/bin/env bash
# 429 throughput under a flood (issue 19): one Archeio (NativeAOT, access log off) with a rate limit that one client
# network is always over (RateLimits: Match 198.51.100.0/24, 1 permit a minute, burst 1) and that fits no one else.
# wrk floods it, alternating in the same run, with
#   limited   a blob request from 198.51.100.7: every answer a 429 TOOMANYREQUESTS with Retry-After (after the first)
#   normal    the same blob from 193.0.6.139 (no limit fits it): the cached 307 of bench/http.sh's no-cloud path
#
#   bench/ratelimit.sh                       # publishes Archeio and Minimal307 (NativeAOT, about 2 min), then about 1 min of wrk
#   BENCH_SKIP_BUILD=1 bench/ratelimit.sh    # reuse the binaries in $BENCH_OUT (default /tmp/archeio-bench)
#
# Knobs: DURATION (wrk -d, default 5s), REPS (3), THREADS (2), CONNECTIONS (64), QUIET_WAIT (30). Output: a markdown
# report on stdout and in bench/results/ratelimit-<UTC time>.md.
ORIGINAL=0
source "$(dirname "$0")/lib/common.sh"
require wrk python3 dotnet curl

DURATION="${DURATION:-5s}"
REPS="${REPS:-3}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
QUIET_WAIT="${QUIET_WAIT:-30}"
STATS="$REPO/bench/lib/wrkstats.py"
BUILD_SECONDS=0
build_binaries

prepare_archeio
# The access-log-off configuration, with the limit added.
python3 - "$WORK/archeio.json" <<'PY'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
config["Archeio"]["RateLimits"] = [{"Name": "flood", "Match": {"Networks": ["198.51.100.0/24"]}, "PermitsPerMinute": 1, "Burst": 1}]
json.dump(config, open(path, "w"))
PY
start_archeio "$archeio_port" "$WORK/archeio.json" "$WORK/archeio.log"; archeio_pid=$STARTED_PID
wait_port "$mirror_port"; wait_port "$archeio_port"

LIMITED="198.51.100.7, 10.0.0.1"
NORMAL="$XFF_NOCLOUD"
url="http://127.0.0.1:$archeio_port$BLOB_PATH"
check="| limited | $(curl -s -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: $LIMITED" "$url") (first request) |"$'\n'
check+="| limited | $(curl -s -D - -o "$WORK/body.json" -H "X-Forwarded-For: $LIMITED" "$url" | tr -d '\r' | awk 'NR == 1 { s = $2 } tolower($1) == "retry-after:" { r = $2 } END { print s " Retry-After: " r }') \`$(cat "$WORK/body.json")\` |"$'\n'
check+="| normal | $(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H "X-Forwarded-For: $NORMAL" "$url") |"$'\n'

wait_quiet
for xff in "$LIMITED" "$NORMAL"; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d1s -H "X-Forwarded-For: $xff" "$url" >/dev/null
done

: >"$WORK/runs.tsv"
for ((run = 1; run <= REPS; run++)); do
    for app in limited normal; do
        xff="$NORMAL"; [[ $app == limited ]] && xff="$LIMITED"
        measure_wrk blob "$app" "$run" "$xff" "$url"
    done
done
metrics=$(curl -s "http://127.0.0.1:$metrics_port/metrics" | grep '^archeio_rate_limited_requests_total' || true)

report=$(results_file ratelimit)
{
    echo "# bench/ratelimit.sh — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(machine_line). Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "Command: \`bench/ratelimit.sh\` (DURATION=$DURATION REPS=$REPS THREADS=$THREADS CONNECTIONS=$CONNECTIONS); each run"
    echo "\`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -H 'X-Forwarded-For: …' $BLOB_PATH\` against one Archeio (NativeAOT, src/Archeio at"
    echo "$(git -C "$REPO" rev-parse --short HEAD), access log off), limited and normal alternately, wrk on the same 2 cores."
    echo "Before measuring, $QUIET_NOTE."
    echo
    echo "| client | answer |"
    echo "| --- | --- |"
    printf '%s' "$check"
    echo
    python3 "$STATS" table "$WORK/runs.tsv"
    echo
    echo "After the runs: \`$metrics\`; RSS $(( $(rss_kib "$archeio_pid") / 1024 )) MiB."
} | tee "$report"
log "saved $report"
