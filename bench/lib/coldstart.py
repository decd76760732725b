#!/usr/bin/env python3
"""Cold start: time from spawning a server process to its first answered HTTP request (bench/coldstart.sh).

  coldstart.py RUNS LOGDIR SPEC...

Each SPEC is one kind of start, a JSON object:
  {"name": ..., "binary": ..., "env": {...}, "port_env": "PORT", "metrics_env": null or "Archeio__Metrics__Port",
   "path": ..., "xff": ..., "expect": null or a Location prefix, "event12": true/false}

The kinds are started alternately RUNS times each (after one unmeasured start of each, which brings the binaries
into the page cache). Each start gets fresh loopback ports; connect() is polled every ~1 ms; once it succeeds,
one GET PATH (with X-Forwarded-For XFF) is sent and the time to its status line and headers is taken. With
"expect", an answer whose status is not 307 or whose Location does not start with it is counted as wrong and the
request is sent again (every ~1 ms) until one is right: the clock stops at the first correct answer. Then the
process is killed (SIGKILL). For Archeio ("event12"), the "IP range table built ... in X ms" line (event 12) is
read from its JSON log. Prints one tab-separated line per start:
  run, kind, ms to the first answer, its status, ms to the first correct answer (= the first with no "expect"),
  wrong answers before it, event-12 ms, the first answer's Location.
"""
import json
import os
import socket
import subprocess
import sys
import time


def free_port(taken):
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            taken.add(port)
            return port


def ask(port, path, xff):
    """One request on a new connection: (status, location), or None if nothing listens yet."""
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: {xff}\r\n"
               "Connection: close\r\n\r\n").encode()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
    except (ConnectionRefusedError, ConnectionResetError):
        return None
    if not data.startswith(b"HTTP/1.1 "):
        return None
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = head[0].split(" ", 2)[1]
    location = ""
    for line in head[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == "location":
            location = value.strip()
    return status, location


def start(kind, logdir, run):
    taken = set()
    port = free_port(taken)
    env = dict(os.environ)
    env.update(kind.get("env", {}))
    env[kind.get("port_env", "PORT")] = str(port)
    if kind.get("metrics_env"):
        env[kind["metrics_env"]] = str(free_port(taken))
    logpath = os.path.join(logdir, f"{kind['name'].replace(' ', '_').replace(',', '')}-{run}.log")
    expect = kind.get("expect")
    first = None
    wrong = 0
    with open(logpath, "wb") as log:
        spawned = time.monotonic()
        process = subprocess.Popen([kind["binary"]], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = spawned + 30
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{kind['name']}: no {'correct ' if expect else ''}answer on port {port} "
                                       f"(first: {first}, wrong answers: {wrong})")
                answer = ask(port, kind["path"], kind["xff"])
                now = time.monotonic()
                if answer is None:
                    time.sleep(0.001)
                    continue
                if first is None:
                    first = (now, answer[0], answer[1])
                if expect is None or (answer[0] == "307" and answer[1].startswith(expect)):
                    correct = now
                    break
                wrong += 1
                time.sleep(0.001)
        finally:
            process.kill()
            process.wait()
    ranges_ms = ""
    if kind.get("event12"):
        for line in open(logpath, encoding="utf-8", errors="replace"):
            if line.startswith("{"):
                entry = json.loads(line)
                if entry.get("EventId") == 12:
                    ranges_ms = f"{entry['State']['Milliseconds']}"
                    break
    return ((first[0] - spawned) * 1000, first[1], (correct - spawned) * 1000, wrong, ranges_ms, first[2])


def main():
    runs, logdir = int(sys.argv[1]), sys.argv[2]
    kinds = [json.loads(spec) for spec in sys.argv[3:]]
    for kind in kinds:
        start(kind, logdir, 0)
    for run in range(1, runs + 1):
        for kind in kinds:
            first_ms, status, correct_ms, wrong, ranges_ms, location = start(kind, logdir, run)
            print(f"{run}\t{kind['name']}\t{first_ms:.1f}\t{status}\t{correct_ms:.1f}\t{wrong}\t{ranges_ms}\t{location}",
                  flush=True)


if __name__ == "__main__":
    main()
