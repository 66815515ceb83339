#!/usr/bin/env bash
# Throughput with the scrub stage on (the default) and off, in one run (hyperfine), on two logs:
#   - the benchmark log (Benchmarks/gen_access_log.py, seed 1): few URLs need taking apart;
#   - a query-heavy log (Benchmarks/gen_scrub_corpus.py --log, seed 1): every request has a query string, referrers
#     are search, social and internal URLs with queries, about 1% of lines carry personal data.
# Into /dev/null (processing alone) and to a file (as in the README's main table).
#
#   Benchmarks/scrub.sh [LINES] [RUNS]      (default 1,000,000 benchmark lines, 100,000 query-heavy lines, 5 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
runs=${2:-5}
work=${LOGONYM_BENCH_DIR:-/tmp/logonym-bench}
mkdir -p "$work"
command -v hyperfine >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; }
swift build -c release --product logonym 2>&1 | tail -n 1
log="$work/access-$lines.log"
[ -s "$log" ] || python3 Benchmarks/gen_access_log.py --lines "$lines" --seed 1 --format combined --out "$log"
query="$work/query-100000.log"
[ -s "$query" ] || python3 Benchmarks/gen_scrub_corpus.py --seed 1 --log "$query" --lines 100000
bin="$(pwd)/.build/release/logonym anonymize --format combined --summary none --no-progress"
for input in "$log" "$query"; do
    name=$(basename "$input" .log)
    hyperfine -N --warmup 2 --runs "$runs" --export-markdown "$work/scrub-$name-null.md" \
        -n "$name: scrub off → /dev/null" "$bin $input -o /dev/null --scrub off" \
        -n "$name: scrub on → /dev/null" "$bin $input -o /dev/null"
    hyperfine --warmup 2 --runs "$runs" --export-markdown "$work/scrub-$name-file.md" \
        -n "$name: scrub off → file" "$bin $input --scrub off > $work/out-off" \
        -n "$name: scrub on → file" "$bin $input > $work/out-on"
done
cat "$work"/scrub-*-null.md "$work"/scrub-*-file.md
