#!/usr/bin/env bash
# Cold start of the NativeAOT build of Archeio, from process spawn to the first answered request, with the
# three clouds' ranges read from local files; against bench/Minimal307 (NativeAOT) in the same run.
#
#   bench/coldstart.sh                       # builds both (about 2 min), then about 10 s of starts
#   BENCH_SKIP_BUILD=1 bench/coldstart.sh    # reuse the binaries in $BENCH_OUT (default /tmp/archeio-bench)
#   SNAPSHOTS=0 bench/coldstart.sh           # no range cache directory: every start parses the range JSON
#
# RUNS (default 10) starts of each, alternately, after one unmeasured start of each. The request is
# GET /v2/pause/manifests/3.10 (a redirect that needs no mirror). Output: a markdown report on stdout
# and in bench/results/coldstart-<UTC time>.md.
source "$(dirname "$0")/lib/common.sh"
require python3 dotnet

RUNS="${RUNS:-10}"
# SNAPSHOTS=1 (default): RangesRefresh:CacheDirectory is set, so the unmeasured first start writes the range snapshots
# and every measured start reads them (a restarted replica); SNAPSHOTS=0: no cache directory, every start parses the JSON.
SNAPSHOTS="${SNAPSHOTS:-1}"
started_all=$SECONDS
BUILD_SECONDS=0
build_binaries

# The mirror is never asked (the request is for a manifest); its port only has to be valid.
write_config "$WORK/archeio.json" "$(free_port)" 9090
if [[ "$SNAPSHOTS" == 0 ]]; then
    sed -i '/"RangesRefresh"/d' "$WORK/archeio.json"
    snapshot_note="no range cache directory (SNAPSHOTS=0): every start parses the JSON"
else
    snapshot_note="range snapshots in the cache directory, written by the unmeasured first start (SNAPSHOTS=0 parses the JSON instead)"
fi
mkdir -p "$WORK/logs"
wait_quiet
s0=$(cpu_snapshot)
python3 "$REPO/bench/lib/coldstart.py" "$RUNS" "$MANIFEST_PATH" "$ARCHEIO_BIN" "$WORK/archeio.json" "$MINIMAL_BIN" "$WORK/logs" >"$WORK/runs.tsv"
s1=$(cpu_snapshot)
other=$(other_cpu "$s0" "$s1")
ranges_line=$(grep -m1 '"EventId":12' "$WORK/logs/Archeio-1.log" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["Message"])' || echo '(event 12 not found)')
total=$((SECONDS - started_all))

report=$(results_file coldstart)
{
    echo "# bench/coldstart.sh — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(machine_line)."
    echo
    echo "Command: \`bench/coldstart.sh\` (RUNS=$RUNS, SNAPSHOTS=$SNAPSHOTS: $snapshot_note). Both NativeAOT (\`dotnet publish -c Release -r linux-x64 -p:PublishAot=true\`):"
    echo "Archeio from src/Archeio at commit $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src || echo ' (with uncommitted changes in src/)'), the baseline bench/Minimal307."
    echo "Each start: spawn the process on fresh loopback ports, poll connect() every ~1 ms, send"
    echo "\`GET $MANIFEST_PATH\`, stop the clock at the status line, SIGKILL. Archeio and the baseline"
    echo "alternately, after one unmeasured start of each (page cache). Archeio reads the three clouds' ranges from"
    echo "$RANGES_DIR before it listens (first run: $ranges_line)."
    echo "Wall time of the script: ${total} s (build ${BUILD_SECONDS} s). Before measuring, $QUIET_NOTE;"
    echo "during the starts, other processes used ${other}% of the machine (above about 5%, the figures are disturbed)."
    echo
    python3 - "$WORK/runs.tsv" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
runs = sorted({int(r[0]) for r in rows})
by = {(int(r[0]), r[1]): r for r in rows}
print("| run | Archeio: spawn → first answer (ms) | Archeio: range table built (ms, event 12) | baseline: spawn → first answer (ms) |")
print("| ---: | ---: | ---: | ---: |")
for n in runs:
    a, b = by[(n, "Archeio")], by[(n, "baseline")]
    print(f"| {n} | {float(a[2]):.1f} ({a[3]}) | {float(a[4]):.1f} | {float(b[2]):.1f} ({b[3]}) |")
def col(app, i): return [float(r[i]) for r in rows if r[1] == app]
a, b, t = col("Archeio", 2), col("baseline", 2), col("Archeio", 4)
print()
print("| | median (ms) | min (ms) | max (ms) |")
print("| --- | ---: | ---: | ---: |")
print(f"| Archeio, spawn → first answer | {statistics.median(a):.1f} | {min(a):.1f} | {max(a):.1f} |")
print(f"| baseline (Minimal307), spawn → first answer | {statistics.median(b):.1f} | {min(b):.1f} | {max(b):.1f} |")
print(f"| Archeio − baseline | {statistics.median(a) - statistics.median(b):.1f} | | |")
print(f"| Archeio, range table built from the three files (event 12; target ≤ 40 ms) | {statistics.median(t):.1f} | {min(t):.1f} | {max(t):.1f} |")
PY
} | tee "$report"
log "saved $report"
