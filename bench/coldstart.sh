#!/usr/bin/env bash
# Cold start, from process spawn to the first (correct) answer, side by side in one run, alternating:
#   original, AWS blob      the original Go service (../shared/peers/archeio-go/archeio; its ranges are compiled in):
#                           spawn → its first answer to an AWS eu-west-3 client's blob request. It HEADs that region's
#                           production S3 bucket, unreachable here, so that answer is its fallback upstream (not the
#                           region's mirror): any answer stops the clock.
#   original, no-cloud blob the same binary: spawn → its first blob redirect of a no-cloud client to its mirror
#                           (DEFAULT_AWS_BASE_URL, the loopback mirror, after one HEAD), checked.
#   Archeio-default         Archeio (NativeAOT), default logging (access log on, JSON to a file), the three clouds'
#                           ranges from local files: spawn → the first blob redirect of the AWS eu-west-3 client to
#                           the aws-eu-west-3 mirror (after one HEAD of the loopback mirror), checked; an answer
#                           before that (another Location, or not a 307) is counted as wrong and the request repeated.
#   Archeio-nolog           the same with the access log off (Logging:AccessSampleRate 0), the same request
#   Archeio-nolog, manifest spawn → first answer to GET /v2/pause/manifests/3.10 (no mirror): the measurement before issue 18
#   baseline                bench/Minimal307 (NativeAOT, a fixed 307): spawn → first answer
#
#   bench/coldstart.sh                       # builds the .NET apps (about 2 min), then about 30 s of starts
#   BENCH_SKIP_BUILD=1 bench/coldstart.sh    # reuse the binaries in $BENCH_OUT (default /tmp/archeio-bench)
#   SNAPSHOTS=0 bench/coldstart.sh           # no range cache directory: every start parses the range JSON
#   ORIGINAL=0 bench/coldstart.sh            # without the original (ORIGINAL_BIN: another build of it)
#   COMPARE_BIN=/tmp/a/Archeio bench/coldstart.sh  # adds "Archeio-default, COMPARE_BIN": another build of Archeio
#                                            # (e.g. main before a change), started like Archeio-default, alternating
#
# RUNS (default 10) starts of each kind, alternately, after one unmeasured start of each. QUIET_WAIT (default 30 s
# here): how long to wait for a quiet machine. Output: a markdown report on stdout and in
# bench/results/coldstart-<UTC time>.md, with the targets (issue 18): Archeio-default ≤ 1.25 × the baseline, ≤ the original.
source "$(dirname "$0")/lib/common.sh"
require python3 dotnet
require_original

RUNS="${RUNS:-10}"
QUIET_WAIT="${QUIET_WAIT:-30}"
# SNAPSHOTS=1 (default): RangesRefresh:CacheDirectory is set, so the unmeasured first start writes the range snapshots
# and every measured start reads them (a restarted replica); SNAPSHOTS=0: no cache directory, every start parses the JSON.
SNAPSHOTS="${SNAPSHOTS:-1}"
started_all=$SECONDS
BUILD_SECONDS=0
build_binaries

# The mirror both blob kinds HEAD (a Minimal307 answering 200); the operations port is set per start.
mirror_port=$(free_port); start_minimal "$mirror_port" 200 "$WORK/mirror.log"; wait_port "$mirror_port"
write_config "$WORK/archeio.json" "$mirror_port" 9090
write_config "$WORK/archeio-default.json" "$mirror_port" 9090 1
if [[ "$SNAPSHOTS" == 0 ]]; then
    sed -i '/"RangesRefresh"/d' "$WORK/archeio.json" "$WORK/archeio-default.json"
    snapshot_note="no range cache directory (SNAPSHOTS=0): every start parses the JSON"
else
    snapshot_note="range snapshots in the cache directory, written by the unmeasured first start (SNAPSHOTS=0 parses the JSON instead)"
fi
aws_mirror="http://127.0.0.1:$mirror_port/aws/containers/images/$DIGEST"
default_mirror="http://127.0.0.1:$mirror_port/default/containers/images/$DIGEST"

# kind NAME BINARY PATH XFF EXPECT(or "") EVENT12(true/false) METRICS_ENV(or "") ENV_JSON: one start spec (coldstart.py).
kind() {
    python3 -c 'import json, sys; n, b, p, x, e, t, m, env = sys.argv[1:]
print(json.dumps({"name": n, "binary": b, "path": p, "xff": x, "expect": e or None, "event12": t == "true",
                  "metrics_env": m or None, "env": json.loads(env)}))' "$@"
}
kinds=()
if [[ "$ORIGINAL" == 1 ]]; then
    original_env="{\"UPSTREAM_REGISTRY_ENDPOINT\": \"https://upstream.example\", \"UPSTREAM_REGISTRY_PATH\": \"images\", \"DEFAULT_AWS_BASE_URL\": \"http://127.0.0.1:$mirror_port/default\"}"
    kinds+=("$(kind "original, AWS blob" "$ORIGINAL_BIN" "$BLOB_PATH" "$XFF_AWS" "" false "" "$original_env")")
    kinds+=("$(kind "original, no-cloud blob" "$ORIGINAL_BIN" "$BLOB_PATH" "$XFF_NOCLOUD" "$default_mirror" false "" "$original_env")")
fi
kinds+=("$(kind "Archeio-default" "$ARCHEIO_BIN" "$BLOB_PATH" "$XFF_AWS" "$aws_mirror" true Archeio__Metrics__Port "{\"ARCHEIO_CONFIG\": \"$WORK/archeio-default.json\"}")")
[[ -n "${COMPARE_BIN:-}" ]] && kinds+=("$(kind "Archeio-default, COMPARE_BIN" "$COMPARE_BIN" "$BLOB_PATH" "$XFF_AWS" "$aws_mirror" true Archeio__Metrics__Port "{\"ARCHEIO_CONFIG\": \"$WORK/archeio-default.json\"}")")
kinds+=("$(kind "Archeio-nolog" "$ARCHEIO_BIN" "$BLOB_PATH" "$XFF_AWS" "$aws_mirror" true Archeio__Metrics__Port "{\"ARCHEIO_CONFIG\": \"$WORK/archeio.json\", \"Archeio__Logging__Format\": \"json\"}")")
kinds+=("$(kind "Archeio-nolog, manifest" "$ARCHEIO_BIN" "$MANIFEST_PATH" "$XFF_AWS" "" true Archeio__Metrics__Port "{\"ARCHEIO_CONFIG\": \"$WORK/archeio.json\", \"Archeio__Logging__Format\": \"json\"}")")
kinds+=("$(kind "baseline" "$MINIMAL_BIN" "$MANIFEST_PATH" "$XFF_AWS" "" false "" '{"MINIMAL307_MODE": "307"}')")

mkdir -p "$WORK/logs"
wait_quiet
s0=$(cpu_snapshot)
python3 "$REPO/bench/lib/coldstart.py" "$RUNS" "$WORK/logs" "${kinds[@]}" >"$WORK/runs.tsv"
s1=$(cpu_snapshot)
other=$(other_cpu "$s0" "$s1")
ranges_line=$(grep -m1 '"EventId":12' "$WORK/logs/Archeio-default-1.log" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["Message"])' || echo '(event 12 not found)')
access_lines=$(grep -c '"EventId":1,' "$WORK/logs/Archeio-default-1.log" || true)
original_line="not measured (ORIGINAL=0)"
[[ "$ORIGINAL" == 1 ]] && original_line="\`$ORIGINAL_BIN\` (sha256 $(sha256sum "$ORIGINAL_BIN" | cut -c1-12)), environment: PORT, UPSTREAM_REGISTRY_ENDPOINT=https://upstream.example, UPSTREAM_REGISTRY_PATH=images, DEFAULT_AWS_BASE_URL=http://127.0.0.1:<mirror>/default"
total=$((SECONDS - started_all))

report=$(results_file coldstart)
{
    echo "# bench/coldstart.sh — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(machine_line). Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "Command: \`bench/coldstart.sh\` (RUNS=$RUNS, SNAPSHOTS=$SNAPSHOTS: $snapshot_note; ORIGINAL=$ORIGINAL). NativeAOT builds (\`dotnet publish -c Release -r linux-x64 -p:PublishAot=true\`):"
    echo "Archeio from src/Archeio at commit $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src || echo ' (with uncommitted changes in src/)'), the baseline bench/Minimal307. The original: $original_line."
    echo "Each start: spawn the process on fresh loopback ports, poll connect() every ~1 ms, send one GET (with"
    echo "\`X-Forwarded-For\`), take the time at the answer's headers; where a Location is expected, a different answer"
    echo "counts as wrong and the request is sent again until the answer is right; then SIGKILL. The kinds alternately,"
    echo "after one unmeasured start of each (page cache). What each kind measures:"
    echo
    echo "| kind | request | the clock stops at |"
    echo "| --- | --- | --- |"
    [[ "$ORIGINAL" == 1 ]] && {
    echo "| original, AWS blob | \`GET $BLOB_PATH\`, client 35.180.1.1 (AWS eu-west-3) | its first answer, whatever it is: it HEADs the region's production S3 bucket, unreachable here (the name does not resolve), and falls back upstream, so this is *not* a redirect to the region's mirror |"
    echo "| original, no-cloud blob | the same blob, client 193.0.6.139 (no cloud) | its first 307 to \`$default_mirror\` (DEFAULT_AWS_BASE_URL, after a HEAD of the loopback mirror) |"
    }
    echo "| Archeio-default | the blob, AWS eu-west-3 client; default logging (access log on, JSON to a file: $access_lines access-log line(s) in the first run's log) | its first 307 to \`$aws_mirror\` (the aws-eu-west-3 mirror, after a HEAD of it) |"
    [[ -n "${COMPARE_BIN:-}" ]] && echo "| Archeio-default, COMPARE_BIN | the same, started from \`$COMPARE_BIN\` | the same |"
    echo "| Archeio-nolog | the same, \`Logging:AccessSampleRate\` 0 | the same |"
    echo "| Archeio-nolog, manifest | \`GET $MANIFEST_PATH\` | its first answer (no mirror involved; the measurement before issue 18) |"
    echo "| baseline | \`GET $MANIFEST_PATH\` | its first answer (a fixed 307) |"
    echo
    echo "Archeio reads the three clouds' ranges from $RANGES_DIR (no network; first run: $ranges_line);"
    echo "the mirror is a Minimal307 answering 200 on loopback."
    echo "Wall time of the script: ${total} s (build ${BUILD_SECONDS} s). Before measuring, $QUIET_NOTE;"
    echo "during the starts, other processes used ${other}% of the machine (above about 5%, the figures are disturbed)."
    echo
    python3 - "$WORK/runs.tsv" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
kinds = list(dict.fromkeys(r[1] for r in rows))
runs = sorted({int(r[0]) for r in rows})
by = {(int(r[0]), r[1]): r for r in rows}
print("Every start: ms from spawn to the answer that stops the clock (status of the first answer; wrong answers before the right one).")
print()
print("| run | " + " | ".join(kinds) + " | Archeio-default: range table built (ms, event 12) |")
print("| ---: |" + " ---: |" * (len(kinds) + 1))
for n in runs:
    cells = []
    for k in kinds:
        r = by[(n, k)]
        cells.append(f"{float(r[4]):.1f} ({r[3]}{', ' + r[5] + ' wrong' if r[5] != '0' else ''})")
    t = by[(n, "Archeio-default")][6]
    print(f"| {n} | " + " | ".join(cells) + f" | {float(t):.1f} |" if t else " | |")
def col(k, i): return [float(r[i]) for r in rows if r[1] == k and r[i] != ""]
med = {k: statistics.median(col(k, 4)) for k in kinds}
print()
print("| kind | median (ms) | min (ms) | max (ms) | first answer, median (ms) | wrong answers (all runs) | first answer's Location (run 1) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
for k in kinds:
    c = col(k, 4)
    print(f"| {k} | {med[k]:.1f} | {min(c):.1f} | {max(c):.1f} | {statistics.median(col(k, 2)):.1f} | {sum(int(r[5]) for r in rows if r[1] == k)} | `{by[(1, k)][7]}` |")
t = col("Archeio-default", 6)
print(f"| Archeio-default, range table built from the three files (event 12) | {statistics.median(t):.1f} | {min(t):.1f} | {max(t):.1f} | | | |")
print()
print("Targets (issue 18), on the medians: Archeio-default (spawn → the AWS client's correct blob redirect) ≤ 1.25 × the baseline, ≤ the original.")
print()
print("| ratio | value | target | met |")
print("| --- | ---: | ---: | --- |")
a = med["Archeio-default"]
def line(label, ratio, target):
    print(f"| {label} | {ratio:.2f} | ≤ {target} | {'yes' if ratio <= target else 'no'} |")
line("Archeio-default / baseline", a / med["baseline"], 1.25)
if "original, no-cloud blob" in med:
    line("Archeio-default / original, no-cloud blob (both a checked redirect to a loopback mirror)", a / med["original, no-cloud blob"], 1.0)
    line("Archeio-default / original, AWS blob (the original's answer is its upstream fallback)", a / med["original, AWS blob"], 1.0)
if "Archeio-default, COMPARE_BIN" in med:
    print(f"| Archeio-default / Archeio-default, COMPARE_BIN (the change measured) | {a / med['Archeio-default, COMPARE_BIN']:.2f} | | |")
if "Archeio-nolog" in med:
    print(f"| Archeio-nolog / baseline (for comparison) | {med['Archeio-nolog'] / med['baseline']:.2f} | | |")
PY
} | tee "$report"
log "saved $report"
