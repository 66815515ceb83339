#!/usr/bin/env python3
"""Times logonym against anonip, ipv6loganon and a zcat | ipv6loganon | gzip -1 pipeline; see compare.sh.

With LOGONYM_BEFORE=/path/to/an/older/logonym, every logonym row is followed by the same command with that binary,
their runs interleaved (so both see the same machine), and the ratio."""
import os
import statistics
import subprocess
import sys

log, work, runs, logonym = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
gz = log + ".gz"
key = os.path.join(work, "key")
size = os.path.getsize(log)
out = os.path.join(work, "out")

cases = [
    ("logonym truncate, plain → plain", f"{logonym} anonymize {log} --summary none > {out}", runs),
    ("logonym truncate, --scrub off, plain → plain", f"{logonym} anonymize {log} --scrub off --summary none > {out}", runs),
    ("logonym truncate, plain → file (fsync, rename)", f"{logonym} anonymize {log} -o {out}.log --summary none", runs),
    ("logonym hmac, plain → plain", f"{logonym} anonymize {log} --method hmac --key-file {key} --summary none > {out}", runs),
    ("logonym cryptopan, plain → plain", f"{logonym} anonymize {log} --method cryptopan --key-file {key} --summary none > {out}", runs),
    ("ipv6loganon, plain → plain", f"ipv6loganon < {log} > {out} 2>/dev/null", runs),
    ("anonip (-4 8 -6 80), plain → plain", f"anonip -4 8 -6 80 < {log} > {out}", 1),
    ("logonym truncate, gzip → gzip -1", f"{logonym} anonymize {gz} -o {out}.gz --compression-level 1 --summary none", runs),
    ("logonym truncate, gzip → gzip -6 (default)", f"{logonym} anonymize {gz} -o {out}.gz --summary none", runs),
    ("zcat │ ipv6loganon │ gzip -1", f"zcat {gz} | ipv6loganon 2>/dev/null | gzip -1 > {out}.gz", runs),
]

# Where the mission lives: window segments (gzip, the default) from a batch run and from the daemon catching up on
# a backlog, each from a fresh state.
windowed = os.path.join(work, "windowed")
backlog = os.path.join(work, "backlog-gz")
os.makedirs(os.path.join(backlog, "logs"), exist_ok=True)
link = os.path.join(backlog, "logs", "access.log")
if not os.path.islink(link):
    os.symlink(log, link)
with open(os.path.join(backlog, "logonym.toml"), "w") as config:
    config.write('[state]\ndir = "state"\n[output]\ndir = "out"\n[[input]]\nname = "web"\npaths = ["logs/access.log"]\n'
                 'format = "combined"\n')
cases += [
    ("logonym truncate, --window 1h, plain → gzip segments",
     f"{logonym} anonymize {log} --window 1h --output-dir {windowed}/out --state-dir {windowed}/state --summary none", runs),
    ("logonym hmac, --window 1h, gzip → gzip segments",
     f"{logonym} anonymize {gz} --method hmac --window 1h --output-dir {windowed}/out --state-dir {windowed}/state "
     "--summary none", runs),
    ("logonym run --once, backlog → gzip segments",
     f"{logonym} run --config {backlog}/logonym.toml --once --log-level warning", runs),
]


# What a run leaves is removed before the next one, untimed: a fresh state for the windowed rows, and no previous
# output for `> out` to truncate (the shell's truncation of a 250 MB file still being written back took 60 ms here,
# timed in every row alike, and its writeback competed with the next run).
leftovers = [out, out + ".gz", windowed, os.path.join(backlog, "state"), os.path.join(backlog, "out")]


def measure(command):
    """Wall seconds and peak RSS (MiB, largest process of the command) of one run, from a clean slate."""
    subprocess.run(["rm", "-rf", *leftovers], check=True)
    result = subprocess.run(["/usr/bin/time", "-f", "%e %M", "sh", "-c", command], stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise SystemExit(f"failed: {command}\n{result.stderr}")
    seconds, kilobytes = result.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kilobytes) / 1024


print(f"Input: {log} ({size / 1e6:.0f} MB, {sum(1 for _ in open(log, 'rb'))} lines; gzip {os.path.getsize(gz) / 1e6:.0f} MB)")
print(f"Machine: {os.cpu_count()} cores; median of {runs} runs (anonip: 1)\n")
before = os.environ.get("LOGONYM_BEFORE")
print("| command | seconds | MB/s | peak RSS |")
print("|---|---:|---:|---:|")
for name, command, n in cases:
    compared = before is not None and name.startswith("logonym")
    older = command.replace(logonym, before) if compared else None
    samples, older_samples = [], []
    for _ in range(n):
        samples.append(measure(command))
        if older:
            older_samples.append(measure(older))
    seconds = statistics.median(s for s, _ in samples)
    rss = max(m for _, m in samples)
    print(f"| {name} | {seconds:.2f} | {size / 1e6 / seconds:.0f} | {rss:.0f} MiB |", flush=True)
    if older:
        old_seconds = statistics.median(s for s, _ in older_samples)
        old_rss = max(m for _, m in older_samples)
        print(
            f"| … before ({seconds / old_seconds:.0%} of its time) | {old_seconds:.2f} | {size / 1e6 / old_seconds:.0f} "
            f"| {old_rss:.0f} MiB |",
            flush=True,
        )
