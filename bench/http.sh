#!/usr/bin/env bash
# Requests/s and latency of Archeio (NativeAOT) against a minimal ASP.NET Core app that answers every
# request with a fixed 307 (bench/Minimal307, NativeAOT), side by side in one run, on loopback.
#
#   bench/http.sh                       # builds both (about 2 min), then about 2.5 min of wrk
#   BENCH_SKIP_BUILD=1 bench/http.sh    # reuse the binaries in $BENCH_OUT (default /tmp/archeio-bench)
#
# Knobs (environment): DURATION (wrk -d, default 8s), REPS (default 3), THREADS (-t, 2), CONNECTIONS (-c, 64).
# For each path, wrk runs against Archeio and the baseline alternately (A B A B A B). Paths:
#   blob, AWS client:      a blob the mirror holds (cached "present" after one warm-up request), X-Forwarded-For AWS eu-west-3
#   blob, no-cloud client: the same for a client in no cloud (the catch-all rule's mirror)
#   manifest:              /v2/pause/manifests/3.10 (always upstream, no check)
#   manifest by digest:    /v2/pause/manifests/<digest>, held by the AWS client's mirror (ManifestUrl; cached "present")
# The mirror is Minimal307 in its 200 mode, on loopback. Output: a markdown report on stdout and in
# bench/results/http-<UTC time>.md.
source "$(dirname "$0")/lib/common.sh"
require wrk python3 dotnet curl

DURATION="${DURATION:-8s}"
REPS="${REPS:-3}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
STATS="$REPO/bench/lib/wrkstats.py"
started_all=$SECONDS

BUILD_SECONDS=0
build_binaries

prepare_archeio
baseline_port=$(free_port); start_minimal "$baseline_port" 307 "$WORK/baseline.log"; baseline_pid=$STARTED_PID
start_archeio "$archeio_port" "$WORK/archeio.json" "$WORK/archeio.log"; archeio_pid=$STARTED_PID
wait_port "$mirror_port"; wait_port "$baseline_port"; wait_port "$archeio_port"

# name|path|X-Forwarded-For
PATHS=(
    "blob, AWS client|$BLOB_PATH|$XFF_AWS"
    "blob, no-cloud client|$BLOB_PATH|$XFF_NOCLOUD"
    "manifest|$MANIFEST_PATH|$XFF_AWS"
    "manifest by digest, AWS client|$MANIFEST_DIGEST_PATH|$XFF_AWS"
)

# One request per path first: it fills the blob cache (one HEAD per mirror) and shows what is measured.
check=""
for entry in "${PATHS[@]}"; do
    IFS='|' read -r name path xff <<<"$entry"
    for app in Archeio baseline; do
        port=$archeio_port; [[ $app == baseline ]] && port=$baseline_port
        answer=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H "X-Forwarded-For: $xff" "http://127.0.0.1:$port$path")
        check+="| $name | $app | ${answer%% *} | \`${answer#* }\` |"$'\n'
        [[ ${answer%% *} == 307 ]] || { log "unexpected answer from $app for $path: $answer"; cat "$WORK/archeio.log" >&2; exit 1; }
    done
done

wait_quiet

# A short unmeasured run per app and path (connections, thread pool).
for entry in "${PATHS[@]}"; do
    IFS='|' read -r name path xff <<<"$entry"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d1s -H "X-Forwarded-For: $xff" "http://127.0.0.1:$archeio_port$path" >/dev/null
    wrk -t"$THREADS" -c"$CONNECTIONS" -d1s -H "X-Forwarded-For: $xff" "http://127.0.0.1:$baseline_port$path" >/dev/null
done

: >"$WORK/runs.tsv"
for entry in "${PATHS[@]}"; do
    IFS='|' read -r name path xff <<<"$entry"
    for ((run = 1; run <= REPS; run++)); do
        for app in Archeio baseline; do
            port=$archeio_port; [[ $app == baseline ]] && port=$baseline_port
            out="$WORK/wrk-$app-$run-${name//[^a-z]/_}.txt"
            s0=$(cpu_snapshot "${STARTED_PIDS[@]}")
            wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "X-Forwarded-For: $xff" "http://127.0.0.1:$port$path" >"$out"
            s1=$(cpu_snapshot "${STARTED_PIDS[@]}")
            other=$(other_cpu "$s0" "$s1")
            read -r rps p50 p99 requests bad errors < <(python3 "$STATS" parse "$out")
            log "$name | $app | run $run: $rps req/s, p50 $p50 ms, p99 $p99 ms ($requests requests, $bad non-2xx/3xx, $errors socket errors, other processes ${other}% CPU)"
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$app" "$run" "$rps" "$p50" "$p99" "$bad" "$errors" "$other" >>"$WORK/runs.tsv"
        done
    done
done

archeio_rss=$(rss_kib "$archeio_pid"); baseline_rss=$(rss_kib "$baseline_pid")
ranges_line=$(grep -m1 '"EventId":12' "$WORK/archeio.log" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["Message"])' || echo '(event 12 not found)')
total=$((SECONDS - started_all))

report=$(results_file http)
{
    echo "# bench/http.sh — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(machine_line)."
    echo
    echo "Command: \`bench/http.sh\` (DURATION=$DURATION REPS=$REPS THREADS=$THREADS CONNECTIONS=$CONNECTIONS); each run"
    echo "\`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -H 'X-Forwarded-For: …' http://127.0.0.1:<port><path>\`,"
    echo "Archeio and the baseline alternately (A B A B …) for each path, wrk on the same 2 cores as the server."
    echo "Both are NativeAOT builds (\`dotnet publish -c Release -r linux-x64 -p:PublishAot=true\`): Archeio from"
    echo "src/Archeio at commit $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src || echo ' (with uncommitted changes in src/)'), the baseline bench/Minimal307 (every request: a fixed 307)."
    echo "Archeio: access log off (\`Logging:AccessSampleRate\` 0), the three clouds' ranges from $RANGES_DIR"
    echo "($ranges_line), two mirrors on a local Minimal307 answering 200 (AWS rule → \`aws-eu-west-3\`,"
    echo "catch-all → \`default\`); the blob \`$DIGEST\` is checked once per mirror before measuring, so every measured"
    echo "blob request is a cache hit. Wall time of the script: ${total} s (build ${BUILD_SECONDS} s)."
    echo "Before measuring, $QUIET_NOTE. The \"other CPU\" column is the share of the machine (both cores) that"
    echo "processes other than wrk, the two servers and the mirror used during the run: above about 5% the run was disturbed."
    echo
    echo "What each path answers (one request before measuring):"
    echo
    echo "| path | app | status | Location |"
    echo "| --- | --- | ---: | --- |"
    printf '%s' "$check"
    echo
    python3 "$STATS" table "$WORK/runs.tsv"
    echo
    echo "RSS after the runs: Archeio $((archeio_rss / 1024)) MiB, baseline $((baseline_rss / 1024)) MiB."
} | tee "$report"
log "saved $report"
