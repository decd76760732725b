#!/usr/bin/env bash
# Requests/s and latency side by side in one run, on loopback, alternating (A B C D A B C D ...) for each path:
#   original         the original Go service (../shared/peers/archeio-go/archeio), configured by its environment
#                    variables only; only on the paths it can serve offline (blob of a no-cloud client, whose mirror
#                    is DEFAULT_AWS_BASE_URL pointed at the loopback mirror; manifest). Its AWS clients would be sent
#                    to production S3 buckets, unreachable here, so the other two paths are "n/a" for it.
#   Archeio-default  Archeio (NativeAOT) with its default logging configuration: an access-log line per request,
#                    JSON (Logging:Format auto) to standard output redirected to a file, as an operator runs it
#   Archeio-nolog    the same binary with the access log off (Logging:AccessSampleRate 0): the stripped configuration
#   baseline         a minimal ASP.NET Core app that answers every request with a fixed 307 (bench/Minimal307, NativeAOT)
#
#   bench/http.sh                       # builds both .NET apps (about 2 min), then about 4.5 min of wrk
#   BENCH_SKIP_BUILD=1 bench/http.sh    # reuse the binaries in $BENCH_OUT (default /tmp/archeio-bench)
#   ORIGINAL=0 bench/http.sh            # without the original (ORIGINAL_BIN: another build of it)
#   SIGNED=1 bench/http.sh              # adds Archeio-signed: Archeio-default with both mirrors private S3 buckets
#                                       # (Mirrors:N:Signing Kind S3: every Location SigV4-presigned per request)
#
# Knobs (environment): DURATION (wrk -d, default 5s; 8s before issue 18), REPS (default 3), THREADS (-t, 2),
# CONNECTIONS (-c, 64), QUIET_WAIT (how long to wait for a quiet machine, default 30 s here). Paths:
#   blob, AWS client:      a blob the mirror holds (cached "present" after one warm-up request), X-Forwarded-For AWS eu-west-3
#   blob, no-cloud client: the same for a client in no cloud (the catch-all rule's mirror; the original's default base URL)
#   manifest:              /v2/pause/manifests/3.10 (always upstream, no check)
#   manifest by digest:    /v2/pause/manifests/<digest>, held by the AWS client's mirror (ManifestUrl; cached "present")
# The mirror is Minimal307 in its 200 mode, on loopback. Output: a markdown report on stdout and in
# bench/results/http-<UTC time>.md, with a table of the targets (issue 18: Archeio-default ≥ 0.90 × the baseline's
# req/s and ≥ 1.5 × the original's, p99 ≤ 1.5 × the baseline's).
source "$(dirname "$0")/lib/common.sh"
require wrk python3 dotnet curl
require_original

DURATION="${DURATION:-5s}"
REPS="${REPS:-3}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
QUIET_WAIT="${QUIET_WAIT:-30}"
STATS="$REPO/bench/lib/wrkstats.py"
started_all=$SECONDS

BUILD_SECONDS=0
build_binaries

prepare_archeio
baseline_port=$(free_port); start_minimal "$baseline_port" 307 "$WORK/baseline.log"; baseline_pid=$STARTED_PID
start_archeio "$archeio_port" "$WORK/archeio.json" "$WORK/archeio.log"; archeio_pid=$STARTED_PID
start_archeio_default "$archeio_default_port" "$WORK/archeio-default.json" "$WORK/archeio-default.log"; archeio_default_pid=$STARTED_PID
APPS=(original Archeio-default Archeio-nolog baseline)
declare -A PORT_OF=([Archeio-default]=$archeio_default_port [Archeio-nolog]=$archeio_port [baseline]=$baseline_port)
declare -A PID_OF=([Archeio-default]=$archeio_default_pid [Archeio-nolog]=$archeio_pid [baseline]=$baseline_pid)
if [[ "${SIGNED:-0}" == 1 ]]; then
    pick_port archeio_signed_port; pick_port metrics_signed_port
    write_config "$WORK/archeio-signed.json" "$mirror_port" "$metrics_signed_port" 1 1
    start_archeio_signed "$archeio_signed_port" "$WORK/archeio-signed.json" "$WORK/archeio-signed.log"
    PORT_OF[Archeio-signed]=$archeio_signed_port; PID_OF[Archeio-signed]=$STARTED_PID
    wait_port "$archeio_signed_port"
fi
if [[ "$ORIGINAL" == 1 ]]; then
    original_port=$(free_port)
    while [[ "$PORTS_TAKEN" == *" $original_port "* || "$original_port" == "$baseline_port" ]]; do original_port=$(free_port); done
    start_original "$original_port" "$mirror_port" "$WORK/original.log"
    PORT_OF[original]=$original_port; PID_OF[original]=$STARTED_PID
    wait_port "$original_port"
else
    APPS=(Archeio-default Archeio-nolog baseline)
fi
[[ "${SIGNED:-0}" == 1 ]] && APPS=("${APPS[@]:0:${#APPS[@]}-1}" Archeio-signed baseline)
wait_port "$mirror_port"; wait_port "$baseline_port"; wait_port "$archeio_port"; wait_port "$archeio_default_port"

# name|path|X-Forwarded-For|the original serves it offline (1/0)
PATHS=(
    "blob, AWS client|$BLOB_PATH|$XFF_AWS|0"
    "blob, no-cloud client|$BLOB_PATH|$XFF_NOCLOUD|1"
    "manifest|$MANIFEST_PATH|$XFF_AWS|1"
    "manifest by digest, AWS client|$MANIFEST_DIGEST_PATH|$XFF_AWS|0"
)

# apps_for ORIGINAL_SERVES: the apps measured on a path.
apps_for() {
    local app
    for app in "${APPS[@]}"; do
        [[ $app == original && $1 != 1 ]] && continue
        printf '%s\n' "$app"
    done
}

# One request per path first: it fills the blob cache (one HEAD per mirror) and shows what is measured.
check=""
for entry in "${PATHS[@]}"; do
    IFS='|' read -r name path xff serves <<<"$entry"
    while read -r app; do
        answer=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H "X-Forwarded-For: $xff" "http://127.0.0.1:${PORT_OF[$app]}$path")
        check+="| $name | $app | ${answer%% *} | \`${answer#* }\` |"$'\n'
        [[ ${answer%% *} == 307 ]] || { log "unexpected answer from $app for $path: $answer"; cat "$WORK/archeio.log" >&2; exit 1; }
    done < <(apps_for "$serves")
done

wait_quiet

# A short unmeasured run per app and path (connections, thread pool).
for entry in "${PATHS[@]}"; do
    IFS='|' read -r name path xff serves <<<"$entry"
    while read -r app; do
        wrk -t"$THREADS" -c"$CONNECTIONS" -d1s -H "X-Forwarded-For: $xff" "http://127.0.0.1:${PORT_OF[$app]}$path" >/dev/null
    done < <(apps_for "$serves")
done
log_bytes_before=$(stat -c %s "$WORK/archeio-default.log")
log_lines_before=$(wc -l <"$WORK/archeio-default.log")

: >"$WORK/runs.tsv"
for entry in "${PATHS[@]}"; do
    IFS='|' read -r name path xff serves <<<"$entry"
    mapfile -t apps < <(apps_for "$serves")
    for ((run = 1; run <= REPS; run++)); do
        for app in "${apps[@]}"; do
            measure_wrk "$name" "$app" "$run" "$xff" "http://127.0.0.1:${PORT_OF[$app]}$path"
        done
    done
done

rss_line=""
for app in "${APPS[@]}"; do rss_line+="$app $(( $(rss_kib "${PID_OF[$app]}") / 1024 )) MiB, "; done
log_bytes=$(( $(stat -c %s "$WORK/archeio-default.log") - log_bytes_before ))
log_lines=$(( $(wc -l <"$WORK/archeio-default.log") - log_lines_before ))
access_sample=$(grep -m1 '"EventId":1,' "$WORK/archeio-default.log" | head -c 600 || true)
ranges_line=$(grep -m1 '"EventId":12' "$WORK/archeio.log" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["Message"])' || echo '(event 12 not found)')
original_line="not measured (ORIGINAL=0)"
[[ "$ORIGINAL" == 1 ]] && original_line="\`$ORIGINAL_BIN\` (sha256 $(sha256sum "$ORIGINAL_BIN" | cut -c1-12)), environment: PORT, UPSTREAM_REGISTRY_ENDPOINT=https://upstream.example, UPSTREAM_REGISTRY_PATH=images, DEFAULT_AWS_BASE_URL=http://127.0.0.1:<mirror>/default (klog at its default verbosity: no access log)"
total=$((SECONDS - started_all))

report=$(results_file http)
{
    echo "# bench/http.sh — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(machine_line). Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "Command: \`bench/http.sh\` (DURATION=$DURATION REPS=$REPS THREADS=$THREADS CONNECTIONS=$CONNECTIONS ORIGINAL=$ORIGINAL); each run"
    echo "\`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -H 'X-Forwarded-For: …' http://127.0.0.1:<port><path>\`,"
    echo "the apps alternately (${APPS[*]}, then again …) for each path, wrk on the same 2 cores as the servers."
    echo "Archeio and the baseline are NativeAOT builds (\`dotnet publish -c Release -r linux-x64 -p:PublishAot=true\`): Archeio from"
    echo "src/Archeio at commit $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src || echo ' (with uncommitted changes in src/)'), the baseline bench/Minimal307 (every request: a fixed 307)."
    echo "The original: $original_line; it is measured only on the no-cloud blob and the manifest (its AWS clients go to"
    echo "production S3 buckets, unreachable here; it sends a manifest by digest upstream unchecked)."
    echo "Archeio-default: the logging settings at their defaults (access log on, one JSON line per request to standard output,"
    echo "redirected to a file: $log_lines lines, $((log_bytes / 1048576)) MiB written during the measured runs); Archeio-nolog: \`Logging:AccessSampleRate\` 0."
    echo "Both: the three clouds' ranges from $RANGES_DIR"
    echo "($ranges_line), two mirrors on a local Minimal307 answering 200 (AWS rule → \`aws-eu-west-3\`,"
    echo "catch-all → \`default\`); the blob \`$DIGEST\` is checked once per mirror before measuring, so every measured"
    echo "blob request is a cache hit (the original caches a present answer too). Wall time of the script: ${total} s (build ${BUILD_SECONDS} s)."
    echo "Before measuring, $QUIET_NOTE. The \"other CPU\" column is the share of the machine (both cores) that"
    echo "processes other than wrk, the servers and the mirror used during the run: above about 5% the run was disturbed."
    echo
    echo "What each path answers (one request before measuring):"
    echo
    echo "| path | app | status | Location |"
    echo "| --- | --- | ---: | --- |"
    printf '%s' "$check"
    echo
    python3 "$STATS" table "$WORK/runs.tsv"
    echo
    echo "RSS after the runs: ${rss_line%, }."
    if [[ -n "$access_sample" ]]; then
        echo
        echo "An access-log line of Archeio-default: \`$access_sample\`"
    fi
} | tee "$report"
log "saved $report"
