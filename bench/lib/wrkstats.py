#!/usr/bin/env python3
"""Helpers for bench/http.sh and bench/memory.sh (and bench/load.sh).

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


APP_ORDER = ["original", "Archeio-default", "Archeio-nolog", "Archeio-signed", "Archeio", "baseline"]


def table(path):
    rows = [line.rstrip("\n").split("\t") for line in open(path, encoding="utf-8") if line.strip()]
    print("| path | app | run | req/s | p50 (ms) | p99 (ms) | non-2xx/3xx | socket errors | other CPU (%) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for p, app, run, rps, p50, p99, bad, err, other in rows:
        print(f"| {p} | {app} | {run} | {float(rps):,.0f} | {float(p50):.2f} | {float(p99):.2f} | {bad} | {err} | {other} |")
    disturbed = sum(1 for r in rows if float(r[8]) > 5)
    print()
    print(f"Runs during which other processes used more than 5% of the machine: {disturbed} of {len(rows)}.")
    paths = list(dict.fromkeys(r[0] for r in rows))
    present = set(r[1] for r in rows)
    apps = [a for a in APP_ORDER if a in present] + sorted(present - set(APP_ORDER))

    def med(p, app, col):
        values = [float(r[col]) for r in rows if r[0] == p and r[1] == app]
        return statistics.median(values) if values else None

    def fmt(x, spec):
        return "n/a" if x is None else format(x, spec)

    def ratio(a, b):
        return None if a is None or b is None or b == 0 else a / b

    print()
    print("Medians over the runs (n/a: not measured on that path).")
    print()
    print("| path | app | req/s | p50 (ms) | p99 (ms) |")
    print("| --- | --- | ---: | ---: | ---: |")
    for p in paths:
        for a in apps:
            if med(p, a, 3) is None:
                print(f"| {p} | {a} | n/a | n/a | n/a |")
            else:
                print(f"| {p} | {a} | {med(p, a, 3):,.0f} | {med(p, a, 4):.2f} | {med(p, a, 5):.2f} |")

    subject = "Archeio-default" if "Archeio-default" in present else "Archeio"
    print()
    print(f"Targets (issue 18), on the medians: {subject} req/s ≥ 0.90 × baseline's and ≥ 1.5 × the original's "
          "(where the original can serve the path offline), p99 ≤ 1.5 × baseline's. "
          "\"met\" is yes when every ratio measured on the path meets its target.")
    print()
    head = f"| path | {subject} / baseline req/s (≥ 0.90) | {subject} / original req/s (≥ 1.5) | {subject} / baseline p99 (≤ 1.5) |"
    extra = "Archeio-nolog" if subject == "Archeio-default" and "Archeio-nolog" in present else None
    if extra:
        head += " Archeio-nolog / baseline req/s | Archeio-nolog / baseline p99 | Archeio-default / Archeio-nolog req/s |"
    print(head + " met |")
    print("| --- |" + " ---: |" * (3 + (3 if extra else 0)) + " --- |")
    for p in paths:
        r_base = ratio(med(p, subject, 3), med(p, "baseline", 3))
        r_orig = ratio(med(p, subject, 3), med(p, "original", 3))
        r_p99 = ratio(med(p, subject, 5), med(p, "baseline", 5))
        checks = [r_base is not None and r_base >= 0.90, r_p99 is not None and r_p99 <= 1.5]
        if r_orig is not None:
            checks.append(r_orig >= 1.5)
        line = f"| {p} | {fmt(r_base, '.2f')} | {fmt(r_orig, '.2f')} | {fmt(r_p99, '.2f')} |"
        if extra:
            line += (f" {fmt(ratio(med(p, extra, 3), med(p, 'baseline', 3)), '.2f')} |"
                     f" {fmt(ratio(med(p, extra, 5), med(p, 'baseline', 5)), '.2f')} |"
                     f" {fmt(ratio(med(p, subject, 3), med(p, extra, 3)), '.2f')} |")
        print(line + f" {'yes' if all(checks) else 'no'} |")

    if "Archeio-signed" in present:
        # SIGNED=1: the cost of presigning every mirror URL (issue 19), against the same binary unsigned, same run.
        print()
        print("Signed mirrors (issue 19), on the medians: Archeio-signed against Archeio-default and the baseline; "
              "the blob target (Archeio-default's) is ≥ 0.90 × baseline req/s, p99 ≤ 1.5 × baseline's.")
        print()
        print("| path | Archeio-signed / Archeio-default req/s | Archeio-signed / baseline req/s (≥ 0.90) | Archeio-signed / baseline p99 (≤ 1.5) |")
        print("| --- | ---: | ---: | ---: |")
        for p in paths:
            print(f"| {p} | {fmt(ratio(med(p, 'Archeio-signed', 3), med(p, 'Archeio-default', 3)), '.2f')} |"
                  f" {fmt(ratio(med(p, 'Archeio-signed', 3), med(p, 'baseline', 3)), '.2f')} |"
                  f" {fmt(ratio(med(p, 'Archeio-signed', 5), med(p, 'baseline', 5)), '.2f')} |")


if __name__ == "__main__":
    {"parse": parse, "table": table}[sys.argv[1]](sys.argv[2])
