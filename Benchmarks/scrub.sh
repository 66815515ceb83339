#!/usr/bin/env bash
# Throughput with the scrub stage on (the default) and off, on the 1,000,000-line benchmark log: into /dev/null
# (processing alone) and to a file (as in the README's main table). 15 runs each, same run (hyperfine).
#
#   Benchmarks/scrub.sh [LINES]
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
work=${LOGONYM_BENCH_DIR:-/tmp/logonym-bench}
mkdir -p "$work"
command -v hyperfine >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; }
swift build -c release --product logonym 2>&1 | tail -n 1
log="$work/access-$lines.log"
[ -s "$log" ] || python3 Benchmarks/gen_access_log.py --lines "$lines" --seed 1 --format combined --out "$log"
bin="$(pwd)/.build/release/logonym anonymize --format combined --summary none --no-progress"
hyperfine -N --warmup 2 --runs 15 --export-markdown "$work/scrub-null.md" \
    -n "scrub off → /dev/null" "$bin $log -o /dev/null --scrub off" \
    -n "scrub on → /dev/null" "$bin $log -o /dev/null"
hyperfine --warmup 2 --runs 15 --export-markdown "$work/scrub-file.md" \
    -n "scrub off → file" "$bin $log --scrub off > $work/out-off" \
    -n "scrub on → file" "$bin $log > $work/out-on"
cat "$work/scrub-null.md" "$work/scrub-file.md"
