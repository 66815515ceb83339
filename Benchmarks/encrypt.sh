#!/usr/bin/env bash
# The cost of [output] encrypt = "window" (issue 19): the windowed batch with and without --encrypt window, in one
# run, from a fresh state each time; first hyperfine, then interleaved pairs (plain, encrypted, encrypted, plain, ...)
# whose ratios are less sensitive to a machine whose load drifts.
#
#   Benchmarks/encrypt.sh [LINES] [RUNS]      (default 1,000,000 lines of Benchmarks/gen_access_log.py, 10 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
runs=${2:-10}
work=${LOGONYM_BENCH_DIR:-/tmp/logonym-bench}
mkdir -p "$work"
command -v hyperfine >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; }
swift build -c release --product logonym 2>&1 | tail -n 1
log="$work/access-$lines.log"
[ -s "$log" ] || python3 Benchmarks/gen_access_log.py --lines "$lines" --seed 1 --format combined --out "$log"
bin="$(pwd)/.build/release/logonym"
run="$bin anonymize $log --window 1h --output-dir $work/enc-out --state-dir $work/enc-state --summary none --no-progress"
hyperfine --warmup 2 --runs "$runs" --prepare "rm -rf $work/enc-out $work/enc-state" \
    --export-markdown "$work/encrypt.md" \
    -n "windowed batch (gzip segments)" "$run" \
    -n "windowed batch, --encrypt window" "$run --encrypt window"
python3 - "$runs" "$work" $run <<'PY'
import shutil, statistics, subprocess, sys, time
runs, work, command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
def once(extra):
    shutil.rmtree(work + "/enc-out", ignore_errors=True)
    shutil.rmtree(work + "/enc-state", ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(command + extra, check=True)
    return time.perf_counter() - started
plain, encrypted = [], []
for i in range(runs):
    order = [[], ["--encrypt", "window"]] if i % 2 == 0 else [["--encrypt", "window"], []]
    times = {tuple(extra): once(extra) for extra in order}
    plain.append(times[()])
    encrypted.append(times[("--encrypt", "window")])
ratios = [e / p for p, e in zip(plain, encrypted)]
print("interleaved pairs: plain median %.3f s, encrypted median %.3f s, median ratio %.3f, ratio of minima %.3f"
      % (statistics.median(plain), statistics.median(encrypted), statistics.median(ratios), min(encrypted) / min(plain)))
PY
