# Shared by bench/http.sh, bench/coldstart.sh and bench/memory.sh (sourced, not run).
# Builds the NativeAOT binaries of Archeio and of the Minimal307 baseline, writes a benchmark
# configuration, starts the processes on loopback (and the original Go service, the peer) and stops them again on exit.

set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Where the AOT binaries go (outside the repository).
BENCH_OUT="${BENCH_OUT:-/tmp/archeio-bench}"
# Set BENCH_SKIP_BUILD=1 to reuse binaries already in $BENCH_OUT.
BENCH_SKIP_BUILD="${BENCH_SKIP_BUILD:-0}"
RANGES_DIR="$(cd "${ARCHEIO_RANGES_DIR:-$REPO/../shared/data/cloud-ranges}" && pwd)"
# ARCHEIO_BIN_OVERRIDE=PATH: measure another build of Archeio (with BENCH_SKIP_BUILD=1), e.g. main before a change.
ARCHEIO_BIN="${ARCHEIO_BIN_OVERRIDE:-$BENCH_OUT/archeio/Archeio}"
MINIMAL_BIN="$BENCH_OUT/minimal307/Minimal307"
# The original Go service (kubernetes/registry.k8s.io cmd/archeio), a prebuilt binary outside the repository
# (../shared/peers/archeio-go/README.md). ORIGINAL=0 leaves it out of http.sh, coldstart.sh and memory.sh.
ORIGINAL="${ORIGINAL:-1}"
ORIGINAL_BIN="${ORIGINAL_BIN:-$REPO/../shared/peers/archeio-go/archeio}"
# One fixed blob: every measured request hits the blob cache ("cached present").
DIGEST="sha256:$(printf 'a%.0s' {1..64})"
BLOB_PATH="/v2/pause/blobs/$DIGEST"
MANIFEST_PATH="/v2/pause/manifests/3.10"
MANIFEST_DIGEST_PATH="/v2/pause/manifests/$DIGEST"
# X-Forwarded-For as a Google Cloud load balancer writes it (ForwardedForSkip 1: the client is the entry before the last).
XFF_AWS="35.180.1.1, 10.0.0.1"      # AWS eu-west-3
XFF_NOCLOUD="193.0.6.139, 10.0.0.1" # RIPE NCC: in no cloud

WORK="$(mktemp -d /tmp/archeio-bench-run.XXXXXX)"
STARTED_PIDS=()

cleanup() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '%s\n' "$*" >&2; }

require() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { log "missing: $tool (apt-get install -y $tool)"; exit 2; }
    done
}

# Publishes both binaries (NativeAOT, linux-x64, Release): about a minute each on 2 cores.
build_binaries() {
    if [[ "$BENCH_SKIP_BUILD" == 1 && -x "$ARCHEIO_BIN" && -x "$MINIMAL_BIN" ]]; then
        log "reusing $ARCHEIO_BIN and $MINIMAL_BIN (BENCH_SKIP_BUILD=1)"
        return
    fi
    local started=$SECONDS
    log "publishing Archeio (NativeAOT) to $BENCH_OUT/archeio ..."
    dotnet publish "$REPO/src/Archeio" -c Release -r linux-x64 -p:PublishAot=true -o "$BENCH_OUT/archeio" -v q -nologo >"$WORK/publish-archeio.log" 2>&1 \
        || { cat "$WORK/publish-archeio.log" >&2; exit 1; }
    log "publishing Minimal307 (NativeAOT) to $BENCH_OUT/minimal307 ..."
    dotnet publish "$REPO/bench/Minimal307" -c Release -r linux-x64 -p:PublishAot=true -o "$BENCH_OUT/minimal307" -v q -nologo >"$WORK/publish-minimal.log" 2>&1 \
        || { cat "$WORK/publish-minimal.log" >&2; exit 1; }
    BUILD_SECONDS=$((SECONDS - started))
    log "built in ${BUILD_SECONDS} s"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT: until something accepts on 127.0.0.1:PORT (at most 30 s).
wait_port() {
    local i
    for ((i = 0; i < 3000; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.01
    done
    log "nothing listens on port $1"; exit 1
}

require_original() {
    [[ "$ORIGINAL" == 1 ]] || return 0
    [[ -x "$ORIGINAL_BIN" ]] || { log "the original's binary is missing: $ORIGINAL_BIN (set ORIGINAL_BIN, or ORIGINAL=0 to leave it out)"; exit 2; }
    ORIGINAL_BIN="$(cd "$(dirname "$ORIGINAL_BIN")" && pwd)/$(basename "$ORIGINAL_BIN")"
}

# write_config FILE MIRROR_PORT METRICS_PORT [ACCESS_LOG]: two mirrors on the Minimal307 mirror (AWS clients,
# everyone else). ACCESS_LOG 0 (default): Logging:AccessSampleRate 0, the stripped configuration; 1: the logging
# settings left at their defaults (an access-log line per request). The range cache directory keeps each source's
# parsed snapshot (RangeSnapshot): the first start of a run parses the JSON and writes them, every later start
# reads them (as a restarted replica does).
write_config() {
    local logging='"Logging": { "AccessSampleRate": 0 },'
    [[ "${4:-0}" == 1 ]] && logging=''
    # 5th argument 1: both mirrors are private S3 buckets, every URL SigV4-presigned (Mirrors:N:Signing, the keys from
    # BENCH_S3_KEY_ID / BENCH_S3_SECRET, which start_archeio_signed sets). The mirror (Minimal307) ignores the query.
    local signing=''
    [[ "${5:-0}" == 1 ]] && signing=', "Signing": { "Kind": "S3", "Region": "eu-west-3", "AccessKeyIdVariable": "BENCH_S3_KEY_ID", "SecretAccessKeyVariable": "BENCH_S3_SECRET" }'
    cat >"$1" <<JSON
{ "Archeio": {
    "InfoUrl": "https://info.example/", "PrivacyUrl": "https://info.example/privacy",
    "Upstream": { "Endpoint": "https://upstream.example", "Path": "images" },
    "Mirrors": [
      { "Name": "aws-eu-west-3", "BlobUrl": "http://127.0.0.1:$2/aws/containers/images/{digest}",
        "ManifestUrl": "http://127.0.0.1:$2/aws/containers/manifests/{digest}"$signing },
      { "Name": "default", "BlobUrl": "http://127.0.0.1:$2/default/containers/images/{digest}",
        "ManifestUrl": "http://127.0.0.1:$2/default/containers/manifests/{digest}"$signing } ],
    "Rules": [
      { "Match": { "Cloud": "AWS" }, "Mirrors": [ "aws-eu-west-3" ] },
      { "Match": { }, "Mirrors": [ "default" ] } ],
    "RangesDirectory": "$RANGES_DIR",
    "RangesRefresh": { "CacheDirectory": "$WORK/range-cache" },
    "ClientIp": { "ForwardedForSkip": 1 },
    $logging
    "Metrics": { "Port": $3 } } }
JSON
}

# prepare_archeio: starts the mirror (a Minimal307 answering 200), picks free ports for Archeio and its operations
# port, and writes $WORK/archeio.json (access log off). Sets mirror_port, archeio_port and metrics_port.
# Also picks archeio_default_port and metrics_default_port and writes $WORK/archeio-default.json: the same with
# the logging settings at their defaults (access log on), for the "Archeio, default configuration" column.
prepare_archeio() {
    mirror_port=$(free_port); start_minimal "$mirror_port" 200 "$WORK/mirror.log"
    PORTS_TAKEN=" $mirror_port "
    pick_port archeio_port; pick_port metrics_port; pick_port archeio_default_port; pick_port metrics_default_port
    write_config "$WORK/archeio.json" "$mirror_port" "$metrics_port"
    write_config "$WORK/archeio-default.json" "$mirror_port" "$metrics_default_port" 1
}

# pick_port VAR: sets VAR to a free port not yet in $PORTS_TAKEN (and adds it there).
PORTS_TAKEN=" "
pick_port() {
    local p; p=$(free_port)
    while [[ "$PORTS_TAKEN" == *" $p "* ]]; do p=$(free_port); done
    PORTS_TAKEN+="$p "
    printf -v "$1" '%s' "$p"
}

# start_minimal PORT MODE(307|200) LOGFILE: sets STARTED_PID.
start_minimal() {
    PORT="$1" MINIMAL307_MODE="$2" "$MINIMAL_BIN" >"$3" 2>&1 &
    STARTED_PID=$!
    STARTED_PIDS+=("$STARTED_PID")
}

# start_archeio PORT CONFIG LOGFILE: sets STARTED_PID. Information level (event 12 is logged), access log off by config.
start_archeio() {
    PORT="$1" ARCHEIO_CONFIG="$2" Archeio__Logging__Format=json "$ARCHEIO_BIN" >"$3" 2>&1 &
    STARTED_PID=$!
    STARTED_PIDS+=("$STARTED_PID")
}

# start_archeio_default PORT CONFIG LOGFILE: as an operator runs it: no logging override (Logging:Format auto, which
# is JSON because standard output is a file), the access log per the configuration. Sets STARTED_PID.
start_archeio_default() {
    PORT="$1" ARCHEIO_CONFIG="$2" "$ARCHEIO_BIN" >"$3" 2>&1 &
    STARTED_PID=$!
    STARTED_PIDS+=("$STARTED_PID")
}

# start_archeio_signed PORT CONFIG LOGFILE: as start_archeio_default, with the signing keys a config written with
# write_config's 5th argument names. Sets STARTED_PID.
start_archeio_signed() {
    BENCH_S3_KEY_ID=AKIABENCHEXAMPLE BENCH_S3_SECRET=benchsecretbenchsecretbenchsecret0000000 \
        PORT="$1" ARCHEIO_CONFIG="$2" "$ARCHEIO_BIN" >"$3" 2>&1 &
    STARTED_PID=$!
    STARTED_PIDS+=("$STARTED_PID")
}

# start_original PORT MIRROR_PORT LOGFILE: the original Go service, configured by its environment only: the same
# upstream as $WORK/archeio.json, and DEFAULT_AWS_BASE_URL on the mirror's "default" prefix, so that a no-cloud
# client's blob gets the same Location from it as from Archeio. It listens on all interfaces. Sets STARTED_PID.
start_original() {
    PORT="$1" UPSTREAM_REGISTRY_ENDPOINT=https://upstream.example UPSTREAM_REGISTRY_PATH=images \
        DEFAULT_AWS_BASE_URL="http://127.0.0.1:$2/default" "$ORIGINAL_BIN" >"$3" 2>&1 &
    STARTED_PID=$!
    STARTED_PIDS+=("$STARTED_PID")
}

stop_pid() {
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# rss_kib PID: VmRSS in KiB.
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

machine_line() {
    local cpu mem
    cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
    mem="$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    printf '%s cores (%s), %s, Linux %s, .NET SDK %s, %s' "$(nproc)" "$cpu" "$mem" "$(uname -r)" \
        "$(dotnet --version 2>/dev/null || echo '?')" "$(wrk --version 2>&1 | head -n 1 | awk '{ print $1, $2 }')"
}

results_file() {
    mkdir -p "$REPO/bench/results"
    printf '%s/bench/results/%s-%s.md' "$REPO" "$1" "$(date -u +%Y-%m-%dT%H%M%SZ)"
}

# The machine may be shared (builds, other benchmarks): every report says how busy the rest of it was.
# cpu_snapshot PID...: "busy total ours" in clock ticks: the machine's busy and total time (/proc/stat),
# and the CPU time of the given processes plus the waited-for children of this shell (wrk, python3).
cpu_snapshot() {
    local busy_total ours=0 pid
    busy_total=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
    for pid in "$@"; do
        ours=$((ours + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')))
    done
    ours=$((ours + $(sed 's/^.*) //' "/proc/$$/stat" | awk '{ print $14 + $15 }')))
    echo "$busy_total $ours"
}

# other_cpu "BEFORE" "AFTER": the share of the machine (all cores, %) busy with processes not ours in between.
other_cpu() {
    read -r b0 t0 o0 <<<"$1"; read -r b1 t1 o1 <<<"$2"
    awk -v b="$((b1 - b0))" -v t="$((t1 - t0))" -v o="$((o1 - o0))" 'BEGIN { x = t > 0 ? 100 * (b - o) / t : 0; printf "%.0f", x < 0 ? 0 : x }'
}

# wait_quiet: wait (up to QUIET_WAIT s, default 180) until the rest of the machine uses < QUIET_MAX % (default 10)
# over 2 s, so that measurements do not start during someone else's build. Sets QUIET_NOTE for the report.
wait_quiet() {
    local waited=0 s0 s1 busy
    local limit="${QUIET_WAIT:-180}" max="${QUIET_MAX:-10}"
    while :; do
        s0=$(cpu_snapshot "${STARTED_PIDS[@]}"); sleep 2; s1=$(cpu_snapshot "${STARTED_PIDS[@]}")
        busy=$(other_cpu "$s0" "$s1"); waited=$((waited + 2))
        if ((busy < max)); then QUIET_NOTE="other processes used ${busy}% of the machine just before measuring (waited ${waited} s for < ${max}%)"; break; fi
        if ((waited >= limit)); then QUIET_NOTE="WARNING: the machine was not quiet: other processes used ${busy}% of it just before measuring (waited ${waited} s)"; break; fi
        log "other processes use ${busy}% of the machine; waiting for < ${max}% ..."
    done
    log "$QUIET_NOTE"
}

# measure_wrk NAME APP RUN XFF URL: one measured wrk run (THREADS, CONNECTIONS, DURATION) with that X-Forwarded-For,
# logged and appended to $WORK/runs.tsv (the rows bench/lib/wrkstats.py tabulates), with the other processes' CPU.
measure_wrk() {
    local name="$1" app="$2" run="$3" xff="$4" url="$5" out s0 s1 other rps p50 p99 requests bad errors
    out="$WORK/wrk-$app-$run-${name//[^a-z]/_}.txt"
    s0=$(cpu_snapshot "${STARTED_PIDS[@]}")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "X-Forwarded-For: $xff" "$url" >"$out"
    s1=$(cpu_snapshot "${STARTED_PIDS[@]}")
    other=$(other_cpu "$s0" "$s1")
    read -r rps p50 p99 requests bad errors < <(python3 "$STATS" parse "$out")
    log "$name | $app | run $run: $rps req/s, p50 $p50 ms, p99 $p99 ms ($requests requests, $bad non-2xx/3xx, $errors socket errors, other processes ${other}% CPU)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$app" "$run" "$rps" "$p50" "$p99" "$bad" "$errors" "$other" >>"$WORK/runs.tsv"
}
