#!/usr/bin/env python3
"""Lag of `logonym run` from a line written to its committed segment, and the daemon's CPU use.

    python3 Benchmarks/daemon_lag.py RATE SECONDS [LOGONYM]

A writer appends combined lines at RATE lines/s (in 10 ms batches) to a followed file; a monitor reads the
committed line count from the state database every 10 ms. A line's lag is the time from its write to the first
poll that sees it committed (so lags are rounded up to the poll). Prints p50, p99, max and the daemon's CPU
seconds per wall second.
"""
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

rate = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20
binary = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "../.build/release/logonym")
root = tempfile.mkdtemp(prefix="logonym-lag-")
os.makedirs(root + "/logs")
open(root + "/logs/access.log", "wb").close()
with open(root + "/logonym.toml", "w") as f:
    f.write('[state]\ndir = "state"\n[output]\ndir = "out"\ncompress = true\n[daemon]\npoll_interval = "50ms"\n'
            '[[input]]\nname = "web"\npaths = ["logs/access.log"]\nformat = "combined"\n')
daemon = subprocess.Popen([binary, "run", "--config", root + "/logonym.toml", "--log-level", "warning"])
time.sleep(1.0)

written = []  # (time, cumulative lines)
total = [0]
stop = threading.Event()


def writer():
    batch = max(1, rate // 100)
    fd = os.open(root + "/logs/access.log", os.O_WRONLY | os.O_APPEND)
    start = time.monotonic()
    n = 0
    while not stop.is_set():
        lines = b"".join(
            b'198.51.100.%d - - [27/Nov/2026:10:00:00 +0000] "GET /item/%d HTTP/1.1" 200 512 "-" "curl/8.5.0"\n'
            % (i % 250, n + i) for i in range(batch))
        os.write(fd, lines)
        n += batch
        written.append((time.monotonic(), n))
        total[0] = n
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)


thread = threading.Thread(target=writer)
cpu_before = os.times()
ticks = os.sysconf("SC_CLK_TCK")


def daemon_cpu():
    with open(f"/proc/{daemon.pid}/stat") as f:
        fields = f.read().split(")")[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks


cpu0 = daemon_cpu()
wall0 = time.monotonic()
thread.start()
committed = []  # (time, committed lines)
db = None
end = time.monotonic() + seconds
while time.monotonic() < end or (committed and committed[-1][1] < total[0]):
    if time.monotonic() >= end:
        stop.set()
    try:
        if db is None:
            db = sqlite3.connect(f"file:{root}/state/state.db?mode=ro", uri=True)
        lines = db.execute("SELECT COALESCE(SUM(lines), 0) FROM segments").fetchone()[0]
        committed.append((time.monotonic(), lines))
    except sqlite3.Error:
        pass
    time.sleep(0.01)
    if time.monotonic() > end + 30:
        break
stop.set()
thread.join()
cpu = daemon_cpu() - cpu0
wall = time.monotonic() - wall0
daemon.terminate()
daemon.wait()

lags = []
j = 0
for t, n in written:
    while j < len(committed) and committed[j][1] < n:
        j += 1
    if j == len(committed):
        break
    lags.append(committed[j][0] - t)
lags.sort()
pick = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))]
print(f"rate {rate} lines/s for {seconds:.0f} s: {total[0]} lines; lag p50 {pick(0.5):.3f} s, p99 {pick(0.99):.3f} s, "
      f"max {lags[-1]:.3f} s; daemon CPU {cpu / wall:.2f} s per s")
subprocess.run(["rm", "-rf", root])
