#!/usr/bin/env bash
# Where the default configuration's CPU goes under load (issue 18: "profile the default configuration, not the
# stripped one"): Archeio (NativeAOT, its logging at the defaults: an access-log line per request, JSON to a file)
# under `wrk -t2 -c64` on an AWS client's cached blob redirect, sampled with `perf record -g` for PROFILE_SECONDS
# (default 10) after 3 s of warm-up. The NativeAOT build's Archeio.dbg beside the binary gives perf the symbols.
#
#   bench/profile.sh                      # builds (about 2 min; BENCH_SKIP_BUILD=1 reuses), then about 20 s
#   PROFILE_PATH=manifest bench/profile.sh  # the manifest redirect instead
#
# Output: a markdown report on stdout and in bench/results/profile-<UTC time>.md: the share of Archeio's samples in
# its own code, the kernel and the libraries; the top functions by self time; and the inclusive share of the
# request path's main parts (the handler, the access log, the router, the metrics, Kestrel's parser). perf.data is
# kept in $BENCH_OUT/profile.data for `perf report -i`.
source "$(dirname "$0")/lib/common.sh"
require wrk perf python3 dotnet

PROFILE_SECONDS="${PROFILE_SECONDS:-10}"
PROFILE_PATH="${PROFILE_PATH:-blob}"
build_binaries
prepare_archeio
start_archeio_default "$archeio_default_port" "$WORK/archeio-default.json" "$WORK/archeio-default.log"
pid=$STARTED_PID
wait_port "$archeio_default_port"
path=$BLOB_PATH
[[ "$PROFILE_PATH" == manifest ]] && path=$MANIFEST_PATH
url="http://127.0.0.1:$archeio_default_port$path"
curl -s -o /dev/null -H "X-Forwarded-For: $XFF_AWS" "$url"

wait_quiet
wrk -t2 -c64 -d$((PROFILE_SECONDS + 5))s -H "X-Forwarded-For: $XFF_AWS" "$url" >"$WORK/wrk.txt" &
wrk_pid=$!
sleep 3 # warm-up before sampling: the profile is of the steady state, not of its first second
perf record -F 999 -g -p "$pid" -o "$BENCH_OUT/profile.data" -- sleep "$PROFILE_SECONDS" 2>"$WORK/perf.log" >/dev/null
wait "$wrk_pid"
perf script -i "$BENCH_OUT/profile.data" 2>/dev/null >"$WORK/perf.txt"

report=$(results_file profile)
{
    echo "# bench/profile.sh — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(machine_line). Archeio at commit $(git -C "$REPO" rev-parse --short HEAD), default logging, \`GET $path\` with"
    echo "\`X-Forwarded-For: $XFF_AWS\` (cached present), \`wrk -t2 -c64\` on the same 2 cores; \`perf record -F 999 -g -p <pid>\` for ${PROFILE_SECONDS} s."
    echo "wrk: $(grep -E 'Requests/sec' "$WORK/wrk.txt" | xargs)."
    echo
    python3 - "$WORK/perf.txt" <<'PY'
import collections, re, sys
samples = []  # (comm, [frames innermost first as (symbol, dso)])
cur = None
for line in open(sys.argv[1], errors="replace"):
    if not line.strip():
        if cur: samples.append(cur)
        cur = None
        continue
    if not line.startswith((" ", "\t")):
        cur = (line.split()[0], [])
        continue
    m = re.match(r"\s+[0-9a-f]+\s+(.*)\s+\((.*)\)$", line.rstrip())
    if m and cur is not None:
        sym = re.sub(r"\+0x[0-9a-f]+$", "", m.group(1))
        cur[1].append((sym, m.group(2)))
if cur: samples.append(cur)
n = len(samples)
def where(dso):
    if "kernel" in dso: return "kernel"
    if dso.endswith("/Archeio"): return "Archeio (managed code and the runtime)"
    return dso.rsplit("/", 1)[-1]
dsos = collections.Counter(where(s[1][0][1]) if s[1] else "unknown" for s in samples)
print(f"{n} samples.")
print()
print("| where the sample was | share |")
print("| --- | ---: |")
for k, v in dsos.most_common(6):
    print(f"| {k} | {100 * v / n:.1f}% |")
print()
selfc = collections.Counter(s[1][0][0] for s in samples if s[1])
print("Top functions by self time:")
print()
print("| function | self |")
print("| --- | ---: |")
for k, v in selfc.most_common(20):
    print(f"| `{k[:110]}` | {100 * v / n:.1f}% |")
print()
parts = [
    ("the request handler (RegistryHandler.InvokeAsync)", "RegistryHandler__InvokeAsync"),
    ("  the access log (AccessLog.Write)", "AccessLog__Write"),
    ("  the routing decision (RequestRouter.RouteAsync)", "RequestRouter__RouteAsync"),
    ("  the request metrics (RequestMetrics.Record)", "RequestMetrics__Record"),
    ("the log writer's thread (LogOutput)", "LogOutput__"),
    ("Kestrel's HTTP/1.1 parser", "Http1Connection__ParseRequest"),
    ("the garbage collector", "WKS::gc_heap"),
]
print("Inclusive shares (a sample counts once for each part on its stack):")
print()
print("| part | inclusive |")
print("| --- | ---: |")
for label, needle in parts:
    c = sum(1 for s in samples if any(needle in f[0] for f in s[1]))
    print(f"| {label} | {100 * c / n:.1f}% |")
PY
} | tee "$report"
log "saved $report (perf data: $BENCH_OUT/profile.data)"
