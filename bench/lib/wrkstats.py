#!/usr/bin/env python3
"""Helpers for bench/http.sh and bench/memory.sh.

  wrkstats.py parse WRK_OUTPUT     -> "req/s p50_ms p99_ms requests non2xx3xx socket_errors" (one line)
  wrkstats.py table RUNS_TSV       -> the markdown tables (every run, then medians and ratios)

RUNS_TSV lines: path<TAB>app<TAB>run<TAB>req/s<TAB>p50_ms<TAB>p99_ms<TAB>non2xx3xx<TAB>socket errors<TAB>other CPU %.
"""
import re
import statistics
import sys

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(f"latency {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def parse(path):
    text = open(path, encoding="utf-8").read()
    rps = float(re.search(r"^Requests/sec:\s+([0-9.]+)", text, re.M).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
    requests = int(re.search(r"^\s+(\d+) requests in", text, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    print(f"{rps:.0f} {p50:.3f} {p99:.3f} {requests} {int(bad.group(1)) if bad else 0} "
          f"{sum(int(g) for g in errors.groups()) if errors else 0}")


def table(path):
    rows = [line.rstrip("\n").split("\t") for line in open(path, encoding="utf-8") if line.strip()]
    print("| path | app | run | req/s | p50 (ms) | p99 (ms) | non-2xx/3xx | socket errors | other CPU (%) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for p, app, run, rps, p50, p99, bad, err, other in rows:
        print(f"| {p} | {app} | {run} | {float(rps):,.0f} | {float(p50):.2f} | {float(p99):.2f} | {bad} | {err} | {other} |")
    disturbed = sum(1 for r in rows if float(r[8]) > 5)
    print()
    print(f"Runs during which other processes used more than 5% of the machine: {disturbed} of {len(rows)}.")
    print()
    print("Medians over the runs; ratio = Archeio / baseline (targets: req/s ratio ≥ 0.90, p99 ratio ≤ 1.5).")
    print()
    print("| path | Archeio req/s (median) | baseline req/s (median) | ratio | Archeio p99 (ms) | baseline p99 (ms) | ratio | Archeio p50 (ms) | baseline p50 (ms) | meets targets |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    paths = list(dict.fromkeys(r[0] for r in rows))
    for p in paths:
        def med(app, col):
            return statistics.median(float(r[col]) for r in rows if r[0] == p and r[1] == app)
        a_rps, b_rps = med("Archeio", 3), med("baseline", 3)
        a_p99, b_p99 = med("Archeio", 5), med("baseline", 5)
        a_p50, b_p50 = med("Archeio", 4), med("baseline", 4)
        r_rps, r_p99 = a_rps / b_rps, a_p99 / b_p99
        ok = "yes" if r_rps >= 0.90 and r_p99 <= 1.5 else "no"
        print(f"| {p} | {a_rps:,.0f} | {b_rps:,.0f} | {r_rps:.2f} | {a_p99:.2f} | {b_p99:.2f} | {r_p99:.2f} | {a_p50:.2f} | {b_p50:.2f} | {ok} |")


if __name__ == "__main__":
    {"parse": parse, "table": table}[sys.argv[1]](sys.argv[2])
