#!/usr/bin/env bash
# Side-by-side throughput of logonym and the tools a user would otherwise reach for, on one generated
# 1,000,000-line combined log (about 260 MB), measured in one run on this machine; then logonym into window segments
# (a windowed batch from plain and gzip input, and `run --once` catching up on the log as a backlog).
#
#   Benchmarks/compare.sh [LINES] [RUNS]
#
# Installs anonip (PyPI) and ipv6calc (Debian) if missing, builds logonym in release mode, generates the log
# with Benchmarks/gen_access_log.py (seed 1, 20% IPv6, 0.1% malformed lines) and prints a Markdown table:
# median wall time of RUNS runs (anonip: one run), MB/s of uncompressed input, and peak resident memory.
# LOGONYM_BEFORE=/path/to/an/older/logonym adds, after each logonym row, the same command with that binary (runs
# interleaved) and the ratio: a change's cost measured in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
runs=${2:-5}
work=${LOGONYM_BENCH_DIR:-/tmp/logonym-bench}
mkdir -p "$work"

if ! command -v ipv6loganon >/dev/null || [ ! -x /usr/bin/time ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ipv6calc time gzip >/dev/null
fi
command -v anonip >/dev/null || python3 -m pip install -q anonip
swift build -c release --product logonym 2>&1 | tail -n 1

log="$work/access-$lines.log"
if [ ! -s "$log" ]; then
    python3 Benchmarks/gen_access_log.py --lines "$lines" --seed 1 --format combined --out "$log"
    gzip -6 -k -f "$log"
fi
head -c 32 /dev/urandom >"$work/key" && chmod 600 "$work/key"
python3 Benchmarks/compare.py "$log" "$work" "$runs" "$(pwd)/.build/release/logonym"
