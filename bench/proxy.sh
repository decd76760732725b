#!/usr/bin/env bash
# Proxied downloads (rules with Action: Proxy): Archeio (NativeAOT) streaming blobs from a mirror, against nginx
# proxy_pass from the same source, side by side in one run, on loopback.
#
#   bench/proxy.sh                       # builds Archeio (about 1 min), then about 2 min of measuring
#   BENCH_SKIP_BUILD=1 bench/proxy.sh    # reuse $BENCH_OUT/archeio/Archeio (default /tmp/archeio-bench)
#
# Knobs (environment): BIG (the big blob's size for head -c, default 1G), REPS (default 3), DURATION (wrk -d, 8s),
# THREADS (wrk -t, 2), CONNECTIONS (wrk -c, 64), SMALL (small blobs, 64); PERF=1: a perf profile of one more stream;
# ARCHEIO_FROM: what the report names as the binary's source (default: this checkout's commit), with BENCH_SKIP_BUILD=1
# and BENCH_OUT pointing at a binary built elsewhere (a before/after comparison).
#
# The source: an nginx serving a temporary directory: containers/images/<digest> for one big blob of random bytes
# (written once through sha256sum, deleted on exit) and SMALL blobs of 4-16 KiB. Peer A: Archeio, one mirror = the
# source (its Inventory file lists every digest: no BlobCheck HEAD), one rule Match:Networks 127.0.0.0/8 -> that
# mirror, Action: Proxy; access log on (the default), stdout to a file. Peer B: nginx proxy_pass to the source
# (proxy_buffering on, the default; HTTP/1.1 keepalive pool to the source). Clients GET /v2/bench/blobs/<digest> on
# either. Measured, A and B alternately (A B A B A B):
#   big blob:    curl -o /dev/null -w '%{speed_download}', median MB/s, ratio A/B; Archeio's VmRSS polled every 50 ms
#                during each of its streams (baseline just before, peak, growth) and its VmHWM; the bytes' sha256
#                checked once through Archeio before measuring.
#   small blobs: wrk -tTHREADS -cCONNECTIONS -dDURATION --latency with bench/lib/proxy-blobs.lua rotating the paths.
# Output: a markdown report on stdout and in bench/results/proxy-<UTC time>.md.
source "$(dirname "$0")/lib/common.sh"
require nginx wrk curl python3 sha256sum dotnet

BIG="${BIG:-1G}"
REPS="${REPS:-3}"
DURATION="${DURATION:-8s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
SMALL="${SMALL:-64}"
STATS="$REPO/bench/lib/wrkstats.py"
started_all=$SECONDS

# nginx runs with a master process (workers as on a real host): it is stopped with TERM (a master killed with KILL
# would leave its workers behind), then common.sh's cleanup kills the rest and removes $WORK (the big blob with it).
NGINX_PIDS=()
stop_all() {
    local pid
    for pid in "${NGINX_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    cleanup
}
trap stop_all EXIT

# Only Archeio is built here (common.sh's build_binaries also builds Minimal307, not needed).
BUILD_SECONDS=0
if [[ "$BENCH_SKIP_BUILD" == 1 && -x "$ARCHEIO_BIN" ]]; then
    log "reusing $ARCHEIO_BIN (BENCH_SKIP_BUILD=1)"
else
    build_started=$SECONDS
    log "publishing Archeio (NativeAOT) to $BENCH_OUT/archeio ..."
    dotnet publish "$REPO/src/Archeio" -c Release -r linux-x64 -p:PublishAot=true -o "$BENCH_OUT/archeio" -v q -nologo >"$WORK/publish-archeio.log" 2>&1 \
        || { cat "$WORK/publish-archeio.log" >&2; exit 1; }
    BUILD_SECONDS=$((SECONDS - build_started))
    log "built in ${BUILD_SECONDS} s"
fi

# --- The source's files -------------------------------------------------------------------------------------------
chmod 755 "$WORK"
images="$WORK/source/containers/images"
mkdir -p "$images"
log "writing the big blob ($BIG of /dev/urandom) ..."
gen_started=$SECONDS
big_hex=$(head -c "$BIG" /dev/urandom | tee "$images/big.tmp" | sha256sum | cut -d' ' -f1)
BIG_DIGEST="sha256:$big_hex"
mv "$images/big.tmp" "$images/$BIG_DIGEST"
BIG_BYTES=$(stat -c %s "$images/$BIG_DIGEST")
log "big blob $BIG_DIGEST, $BIG_BYTES bytes, in $((SECONDS - gen_started)) s"
: >"$WORK/small-paths.txt"
: >"$WORK/inventory.txt"
echo "$BIG_DIGEST" >>"$WORK/inventory.txt"
small_bytes=0
for ((i = 0; i < SMALL; i++)); do
    size=$((4096 + (SMALL > 1 ? i * 12288 / (SMALL - 1) : 0)))
    head -c "$size" /dev/urandom >"$images/small.tmp"
    digest="sha256:$(sha256sum "$images/small.tmp" | cut -d' ' -f1)"
    mv "$images/small.tmp" "$images/$digest"
    echo "$digest" >>"$WORK/inventory.txt"
    echo "/v2/bench/blobs/$digest" >>"$WORK/small-paths.txt"
    small_bytes=$((small_bytes + size))
done
SMALL_MEAN_KIB=$((small_bytes / SMALL / 1024))

# --- nginx: the source and peer B ----------------------------------------------------------------------------------
source_port=$(free_port)
nginx_port=$(free_port)
archeio_port=$(free_port)
metrics_port=$(free_port)
nginx_user=""
[[ $(id -u) == 0 ]] && nginx_user="user root;"

# nginx_conf NAME WORKERS SERVER_BLOCK: a self-contained configuration under $WORK/NAME (no file outside $WORK is used).
nginx_conf() {
    local dir="$WORK/$1"
    mkdir -p "$dir/logs" "$dir/temp"
    cat >"$dir/nginx.conf" <<NGINX
$nginx_user
worker_processes $2;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 4096; }
http {
    default_type application/octet-stream;
    client_body_temp_path $dir/temp/body;
    proxy_temp_path $dir/temp/proxy;
    fastcgi_temp_path $dir/temp/fastcgi;
    uwsgi_temp_path $dir/temp/uwsgi;
    scgi_temp_path $dir/temp/scgi;
    $3
}
NGINX
}

# The source: static files, sendfile, no access log; connections kept open (keepalive_requests) for both peers' pools.
nginx_conf source auto "
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$source_port;
        root $WORK/source;
        location /containers/images/ { }
    }"

# Peer B: proxy_pass to the source, buffering on (the default: 8 × 4 KiB buffers, then a temporary file of up to
# 1 GiB when the client is slower than the source), HTTP/1.1 with an idle pool of 64 to the source; access log on,
# as Archeio's; keepalive_requests raised (default 1,000) so that wrk's connections are not closed every 1,000 requests.
nginx_conf peer auto "
    access_log $WORK/peer/logs/access.log;
    keepalive_requests 1000000;
    upstream source {
        server 127.0.0.1:$source_port;
        keepalive 64;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$nginx_port;
        location /v2/bench/blobs/ {
            rewrite ^/v2/bench/blobs/(.*)\$ /containers/images/\$1 break;
            proxy_pass http://source;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
        }
    }"

start_nginx() {
    nginx -e "$WORK/$1/logs/error.log" -p "$WORK/$1" -c "$WORK/$1/nginx.conf" -g 'daemon off;' &
    STARTED_PID=$!
    NGINX_PIDS+=("$STARTED_PID")
}

start_nginx source; source_pid=$STARTED_PID
start_nginx peer; nginx_pid=$STARTED_PID

# --- Archeio: peer A -----------------------------------------------------------------------------------------------
cat >"$WORK/archeio.json" <<JSON
{ "Archeio": {
    "InfoUrl": "https://info.example/", "PrivacyUrl": "https://info.example/privacy",
    "Upstream": { "Endpoint": "http://127.0.0.1:$source_port", "Path": "upstream" },
    "Mirrors": [
      { "Name": "source", "BlobUrl": "http://127.0.0.1:$source_port/containers/images/{digest}",
        "Inventory": "$WORK/inventory.txt" } ],
    "Rules": [
      { "Match": { "Networks": [ "127.0.0.0/8" ] }, "Mirrors": [ "source" ], "Action": "Proxy" } ],
    "Metrics": { "Port": $metrics_port } } }
JSON
PORT="$archeio_port" ARCHEIO_CONFIG="$WORK/archeio.json" Archeio__Logging__Format=json "$ARCHEIO_BIN" >"$WORK/archeio.log" 2>&1 &
archeio_pid=$!
STARTED_PIDS+=("$archeio_pid")

wait_port "$source_port"; wait_port "$nginx_port"; wait_port "$archeio_port"

# Every process of ours (nginx masters and their workers), for the "other CPU" share.
our_pids() {
    local pid
    for pid in "$archeio_pid" "${NGINX_PIDS[@]}"; do
        echo "$pid"
        cat "/proc/$pid/task/$pid/children" 2>/dev/null | tr ' ' '\n' | grep . || true
    done
}
# cpu_ticks PID...: utime + stime of the processes.
cpu_ticks() {
    local total=0 pid
    for pid in "$@"; do total=$((total + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }'))); done
    echo "$total"
}
mapfile -t OURS < <(our_pids)
mapfile -t NGINX_PEER_PIDS < <(echo "$nginx_pid"; cat "/proc/$nginx_pid/task/$nginx_pid/children" | tr ' ' '\n' | grep .)
TICKS=$(getconf CLK_TCK)

port_of() { [[ $1 == Archeio* ]] && echo "$archeio_port" || echo "$nginx_port"; }

# --- Checks before measuring ---------------------------------------------------------------------------------------
big_path="/v2/bench/blobs/$BIG_DIGEST"
for app in Archeio nginx; do
    while read -r path; do
        answer=$(curl -s -o "$WORK/check.bin" -w '%{http_code}' "http://127.0.0.1:$(port_of "$app")$path")
        want="${path##*/}"
        got="sha256:$(sha256sum "$WORK/check.bin" | cut -d' ' -f1)"
        [[ $answer == 200 && $got == "$want" ]] || { log "$app: $path answered $answer ($got)"; cat "$WORK/archeio.log" >&2; exit 1; }
    done <"$WORK/small-paths.txt"
done
rm -f "$WORK/check.bin"
log "every small blob answers 200 with its bytes through both"
# The whole big blob through Archeio once, hashed (unmeasured; also brings the file into the page cache for both).
rss_first=$(rss_kib "$archeio_pid")
verify_started=$SECONDS
verified_hex=$(curl -s --fail "http://127.0.0.1:$archeio_port$big_path" | sha256sum | cut -d' ' -f1)
verify_seconds=$((SECONDS - verify_started))
[[ $verified_hex == "$big_hex" ]] || { log "the big blob through Archeio hashes to sha256:$verified_hex, not $BIG_DIGEST"; exit 1; }
log "the big blob through Archeio hashes to its digest ($verify_seconds s)"
curl -s -o /dev/null --fail "http://127.0.0.1:$nginx_port$big_path"
grep -q 'proxy:mirror:source' "$WORK/archeio.log" || log "note: no access-log line with proxy:source found"

wait_quiet

# --- Big blob ------------------------------------------------------------------------------------------------------
# A third row per round, for the diagnosis: Archeio asked for "Range: bytes=0-" answers the same bytes as a 206, which
# is not a whole object, so it is neither hashed nor held back (ProxyBody): what streaming costs without verifying.
: >"$WORK/big.tsv"
for ((run = 1; run <= REPS; run++)); do
    for app in Archeio nginx Archeio-range; do
        port=$(port_of "$app")
        range=(); [[ $app == Archeio-range ]] && range=(-H 'Range: bytes=0-')
        before=$(rss_kib "$archeio_pid")
        : >"$WORK/rss-samples"
        ( while :; do awk '/^VmRSS:/ { print $2 }' "/proc/$archeio_pid/status" >>"$WORK/rss-samples"; sleep 0.05; done ) &
        sampler=$!
        if [[ $app == Archeio* ]]; then c0=$(cpu_ticks "$archeio_pid"); else c0=$(cpu_ticks "${NGINX_PEER_PIDS[@]}"); fi
        s0=$(cpu_snapshot "${OURS[@]}")
        speed=$(curl -s --fail -o /dev/null -w '%{speed_download} %{size_download}' "${range[@]}" "http://127.0.0.1:$port$big_path")
        s1=$(cpu_snapshot "${OURS[@]}")
        if [[ $app == Archeio* ]]; then c1=$(cpu_ticks "$archeio_pid"); else c1=$(cpu_ticks "${NGINX_PEER_PIDS[@]}"); fi
        kill "$sampler"; wait "$sampler" 2>/dev/null || true
        read -r bps size <<<"$speed"
        [[ $size == "$BIG_BYTES" ]] || { log "$app: $size bytes, not $BIG_BYTES"; exit 1; }
        peak=$(sort -n "$WORK/rss-samples" | tail -n 1)
        samples=$(wc -l <"$WORK/rss-samples")
        other=$(other_cpu "$s0" "$s1")
        cpu_s=$(awk -v t="$((c1 - c0))" -v k="$TICKS" 'BEGIN { printf "%.2f", t / k }')
        mbs=$(awk -v b="$bps" 'BEGIN { printf "%.0f", b / 1e6 }')
        if [[ $app == Archeio* ]]; then
            log "big | $app | run $run: $mbs MB/s, server CPU $cpu_s s, RSS $before KiB before, peak $peak KiB ($samples samples), other ${other}%"
        else
            log "big | $app | run $run: $mbs MB/s, server CPU $cpu_s s (Archeio idle: RSS $before → peak $peak KiB), other ${other}%"
        fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$app" "$run" "$mbs" "$cpu_s" "$before" "$peak" "$samples" "$other" >>"$WORK/big.tsv"
    done
done
hwm=$(hwm_kib "$archeio_pid")

# PERF=1: one more (unmeasured) stream through Archeio under perf record; the report gets the top of perf report.
perf_top=""
if [[ "${PERF:-0}" == 1 ]] && command -v perf >/dev/null; then
    perf record -q -F 499 -p "$archeio_pid" -o "$WORK/perf.data" >/dev/null 2>&1 &
    perf_pid=$!
    sleep 0.5
    curl -s --fail -o /dev/null "http://127.0.0.1:$archeio_port$big_path"
    kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
    perf_top=$( { perf report -i "$WORK/perf.data" --sort dso --stdio 2>/dev/null | grep -v '^#' | grep '%' | head -n 8
        echo
        perf report -i "$WORK/perf.data" --sort dso,symbol --stdio 2>/dev/null | grep -v '^#' | grep '%' | head -n 20; } | sed 's/[[:space:]]*$//' || true)
fi

# SHA-256 on this CPU (OpenSSL, which .NET's IncrementalHash calls on Linux), 64 KiB blocks as the forwarder writes them.
sha_line="(openssl not found)"
if command -v openssl >/dev/null; then
    sha_kbs=$(openssl speed -seconds 2 -bytes 65536 sha256 2>/dev/null | awk '/^sha256 / { sub(/k$/, "", $2); print $2 }')
    sha_line="$(awk -v k="$sha_kbs" 'BEGIN { printf "%.0f MB/s", k / 1000 }') (\`openssl speed -seconds 2 -bytes 65536 sha256\`, $(openssl version | awk '{ print $1, $2 }'), run after the streams)"
fi

# --- Small blobs ---------------------------------------------------------------------------------------------------
export PATHS_FILE="$WORK/small-paths.txt"
lua="$REPO/bench/lib/proxy-blobs.lua"
for app in Archeio nginx; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d1s -s "$lua" "http://127.0.0.1:$(port_of "$app")" >/dev/null
done
: >"$WORK/small.tsv"
for ((run = 1; run <= REPS; run++)); do
    for app in Archeio nginx; do
        out="$WORK/wrk-$app-$run.txt"
        s0=$(cpu_snapshot "${OURS[@]}")
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$lua" "http://127.0.0.1:$(port_of "$app")" >"$out"
        s1=$(cpu_snapshot "${OURS[@]}")
        other=$(other_cpu "$s0" "$s1")
        read -r rps p50 p99 requests bad errors < <(python3 "$STATS" parse "$out")
        log "small | $app | run $run: $rps req/s, p50 $p50 ms, p99 $p99 ms ($requests requests, $bad non-2xx/3xx, $errors socket errors, other ${other}%)"
        printf 'small blobs\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$app" "$run" "$rps" "$p50" "$p99" "$bad" "$errors" "$other" >>"$WORK/small.tsv"
    done
done
rss_end=$(rss_kib "$archeio_pid")
proxied_lines=$(grep -c 'proxy:mirror:source' "$WORK/archeio.log" || true)
total=$((SECONDS - started_all))

# --- Report --------------------------------------------------------------------------------------------------------
report=$(results_file proxy)
{
    echo "# bench/proxy.sh — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(machine_line), $(nginx -v 2>&1 | sed 's/^nginx version: //'), $(curl --version | head -n 1 | awk '{ print $1, $2 }')."
    echo
    echo "Command: \`bench/proxy.sh\` (BIG=$BIG REPS=$REPS DURATION=$DURATION THREADS=$THREADS CONNECTIONS=$CONNECTIONS SMALL=$SMALL)."
    echo "Archeio: NativeAOT (\`dotnet publish -c Release -r linux-x64 -p:PublishAot=true\`) from src/Archeio at commit"
    echo "${ARCHEIO_FROM:-$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src || echo ' (with uncommitted changes in src/)')}; default settings (Proxy: FirstByteTimeout 10 s, IdleTimeout 30 s,"
    echo "MaxConcurrent 128; access log on, JSON to a file) plus one mirror = the source, with an \`Inventory\` file listing every"
    echo "digest (so no BlobCheck HEAD is sent), and one rule \`Match: {Networks: [127.0.0.0/8]}, Mirrors: [source], Action: Proxy\`."
    echo "nginx (peer): \`proxy_pass\` to the source, proxy_buffering on (default buffers), HTTP/1.1 keepalive pool of 64 to the"
    echo "source, access log on, \`worker_processes auto\` ($(nproc)). The source: nginx \`worker_processes auto\`, sendfile, serving one"
    echo "big blob of $BIG_BYTES random bytes and $SMALL blobs of 4–16 KiB (mean $SMALL_MEAN_KIB KiB) from /tmp. Everything on loopback,"
    echo "client, peers and source on the same $(nproc) cores; A and B alternately (A B A B …)."
    echo "Checks before measuring: every small blob answers 200 with bytes hashing to its digest through both peers; the big blob"
    echo "through Archeio hashes to its digest (sha256sum of the whole download: $verify_seconds s)."
    echo "Wall time of the script: ${total} s (build ${BUILD_SECONDS} s). Before measuring, $QUIET_NOTE. \"other CPU\": the share"
    echo "of the machine used by processes other than curl/wrk, Archeio and the nginx processes during the run."
    echo
    python3 - "$WORK/big.tsv" "$WORK/small.tsv" "$rss_first" "$hwm" "$rss_end" "$BIG_BYTES" <<'PY'
import statistics, sys
big = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
small = [l.rstrip("\n").split("\t") for l in open(sys.argv[2]) if l.strip()]
rss_first, hwm, rss_end, size = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
mib = lambda k: k / 1024
print(f"## Big blob ({size / 2**30:.2f} GiB): `curl -s -o /dev/null -w '%{{speed_download}}' http://127.0.0.1:<port>/v2/bench/blobs/<digest>`")
print()
print("| app | run | MB/s | server CPU (s) | Archeio RSS before (MiB) | Archeio peak RSS during (MiB) | growth (MiB) | RSS samples | other CPU (%) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for app, run, mbs, cpu, before, peak, n, other in big:
    growth = mib(int(peak) - int(before))
    print(f"| {app} | {run} | {int(mbs):,} | {float(cpu):.2f} | {mib(int(before)):.1f} | {mib(int(peak)):.1f} | {growth:+.1f} | {n} | {other} |")
med = lambda rows, app, col: statistics.median(float(r[col]) for r in rows if r[0] == app)
a, b = med(big, "Archeio", 2), med(big, "nginx", 2)
acpu, bcpu = med(big, "Archeio", 3), med(big, "nginx", 3)
arch = [r for r in big if r[0].startswith("Archeio")]
growths = [mib(int(r[5]) - int(r[4])) for r in arch]
peak_all = max(mib(int(r[5])) for r in arch)
print()
print(f"Runs during which other processes used more than 5% of the machine: {sum(1 for r in big if float(r[7]) > 5)} of {len(big)}.")
print()
print("| measure | Archeio | nginx | ratio | target | met |")
print("| --- | ---: | ---: | ---: | --- | --- |")
print(f"| throughput, median MB/s | {a:,.0f} | {b:,.0f} | {a / b:.2f} | ≥ 0.80 × nginx | {'yes' if a / b >= 0.8 else 'no'} |")
print(f"| server CPU per stream, median s | {acpu:.2f} | {bcpu:.2f} | {acpu / bcpu:.2f} | — | — |")
if any(r[0] == "Archeio-range" for r in big):
    c, ccpu = med(big, "Archeio-range", 2), med(big, "Archeio-range", 3)
    print(f"| diagnosis: Archeio with `Range: bytes=0-` (206, not hashed, not held back), median MB/s | {c:,.0f} | {b:,.0f} | {c / b:.2f} | — | — |")
    print(f"| diagnosis: its server CPU per stream, median s | {ccpu:.2f} | {bcpu:.2f} | {ccpu / bcpu:.2f} | — | — |")
print(f"| Archeio RSS growth during a stream (over the RSS just before it), largest of {len(arch)} (MiB) | {max(growths):+.1f} | | | ≤ 32 MiB | {'yes' if max(growths) <= 32 else 'no'} |")
print()
print(f"Archeio's RSS: {mib(rss_first):.1f} MiB before its first stream (after the small-blob checks), peak sampled during the")
print(f"measured streams {peak_all:.1f} MiB, VmHWM (the process's peak, the unmeasured verification stream included) {mib(hwm):.1f} MiB,")
print(f"{mib(rss_end):.1f} MiB at the end of the script; growth over the first baseline: {peak_all - mib(rss_first):+.1f} MiB sampled, {mib(hwm - rss_first):+.1f} MiB by VmHWM.")
print()
print(f"## Small blobs: `wrk -t<T> -c<C> -d<D> --latency -s bench/lib/proxy-blobs.lua` ({len(set(r[2] for r in small))} runs each)")
print()
print("| app | run | req/s | p50 (ms) | p99 (ms) | non-2xx/3xx | socket errors | other CPU (%) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for _, app, run, rps, p50, p99, bad, err, other in small:
    print(f"| {app} | {run} | {float(rps):,.0f} | {float(p50):.2f} | {float(p99):.2f} | {bad} | {err} | {other} |")
smed = lambda app, col: statistics.median(float(r[col]) for r in small if r[1] == app)
ar, br = smed("Archeio", 3), smed("nginx", 3)
ap, bp = smed("Archeio", 5), smed("nginx", 5)
a5, b5 = smed("Archeio", 4), smed("nginx", 4)
print()
print(f"Runs during which other processes used more than 5% of the machine: {sum(1 for r in small if float(r[8]) > 5)} of {len(small)}.")
print()
print("| measure (median) | Archeio | nginx | ratio |")
print("| --- | ---: | ---: | ---: |")
print(f"| req/s | {ar:,.0f} | {br:,.0f} | {ar / br:.2f} |")
print(f"| p50 (ms) | {a5:.2f} | {b5:.2f} | {a5 / b5:.2f} |")
print(f"| p99 (ms) | {ap:.2f} | {bp:.2f} | {ap / bp:.2f} |")
PY
    echo
    echo "SHA-256 on this CPU: $sha_line."
    if [[ -n "$perf_top" ]]; then
        echo
        echo "Where Archeio's CPU went during one more stream of the big blob (PERF=1: \`perf record -F 499\`; by DSO, then by DSO and symbol; libcrypto.so is SHA-256):"
        echo
        echo '```'
        echo "$perf_top"
        echo '```'
    fi
    echo
    echo "Archeio's access log: $proxied_lines lines with the decision \`proxy:mirror:source\`."
} | tee "$report"
log "saved $report"
