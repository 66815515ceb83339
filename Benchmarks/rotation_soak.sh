#!/usr/bin/env bash
# The rotation model (Tests/LogonymCLITests/RotationModelTests.swift) at soak size: seeded schedules of writes,
# rotations of every kind (rename, compress, delaycompress, copytruncate, dateext, fresh or kept timestamps),
# maxage deletions, SIGKILLs and outages, on this machine's file system; each ends with every line exactly once.
#
#   Benchmarks/rotation_soak.sh [SCHEDULES] [SEED]
#
# SCHEDULES defaults to 800 (about 1,200 kills, 5-8 minutes on 2 cores); SEED to a new one per run (printed, so a
# failure can be replayed with LOGONYM_ROTATION_SEED=SEED LOGONYM_ROTATION_ONLY=INDEX). `.ci/run` runs 200.
set -euo pipefail
cd "$(dirname "$0")/.."
schedules=${1:-800}
seed=${2:-$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')}
log=${LOGONYM_BENCH_DIR:-/tmp/logonym-bench}/rotation-soak.log
mkdir -p "$(dirname "$log")"
echo "rotation soak: $schedules schedules, seed $seed (log: $log)"
status=0
LOGONYM_ROTATION_SCHEDULES=$schedules LOGONYM_ROTATION_SEED=$seed \
    swift test --filter RotationModelTests >"$log" 2>&1 || status=$?
grep -E "rotation model:|schedule [0-9]+ \(|passed after|failed after" "$log" | cut -c1-400
exit $status
