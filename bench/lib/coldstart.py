#!/usr/bin/env python3
"""Cold start: time from spawning a server process to its first answered HTTP request (bench/coldstart.sh).

  coldstart.py RUNS PATH ARCHEIO_BIN ARCHEIO_CONFIG MINIMAL_BIN LOGDIR

Archeio and the baseline are started alternately RUNS times each (after one unmeasured start of each, which
brings the binaries into the page cache). Each start gets fresh loopback ports; connect() is polled every
~1 ms; once it succeeds, one GET PATH is sent and the time to its status line is taken; then the process
is killed (SIGKILL). For Archeio, the "IP range table built ... in X ms" line (event 12) is read from its
JSON log. Prints one tab-separated line per run: run, app, ms to first answer, status, event-12 ms.
"""
import json
import os
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_answer(port, path, deadline):
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: 35.180.1.1, 10.0.0.1\r\nConnection: close\r\n\r\n".encode()
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(request)
                data = b""
                while b"\r\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                if data.startswith(b"HTTP/1.1 "):
                    return time.monotonic(), data.split(b" ", 2)[1].decode()
        except (ConnectionRefusedError, ConnectionResetError):
            pass
        time.sleep(0.001)
    raise TimeoutError(f"no answer on port {port}")


def start(app, binary, config, path, logdir, run):
    port = free_port()
    env = dict(os.environ, PORT=str(port))
    if app == "Archeio":
        metrics = free_port()
        while metrics == port:
            metrics = free_port()
        env.update(ARCHEIO_CONFIG=config, Archeio__Metrics__Port=str(metrics), Archeio__Logging__Format="json")
    else:
        env.update(MINIMAL307_MODE="307")
    logpath = os.path.join(logdir, f"{app}-{run}.log")
    with open(logpath, "wb") as log:
        spawned = time.monotonic()
        process = subprocess.Popen([binary], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            answered, status = first_answer(port, path, spawned + 30)
        finally:
            process.kill()
            process.wait()
    ranges_ms = ""
    if app == "Archeio":
        for line in open(logpath, encoding="utf-8", errors="replace"):
            if line.startswith("{") and json.loads(line).get("EventId") == 12:
                ranges_ms = f"{json.loads(line)['State']['Milliseconds']}"
                break
    return (answered - spawned) * 1000, status, ranges_ms


def main():
    runs, path, archeio, config, minimal, logdir = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
    binaries = {"Archeio": archeio, "baseline": minimal}
    for app, binary in binaries.items():
        start(app, binary, config, path, logdir, 0)
    for run in range(1, runs + 1):
        for app, binary in binaries.items():
            ms, status, ranges_ms = start(app, binary, config, path, logdir, run)
            print(f"{run}\t{app}\t{ms:.1f}\t{status}\t{ranges_ms}", flush=True)


if __name__ == "__main__":
    main()
