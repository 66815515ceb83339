#!/usr/bin/env bash
# Catching up on a backlog: the time `logonym run --once` takes over a generated 1,000,000-line combined log,
# against rsyslog's imfile + mmanon (what a Debian admin can configure today) reading the same file into a
# plain file, both from a fresh state, measured in one run. rsyslog is timed until its output holds every line.
#
#   Benchmarks/backlog.sh [LINES]
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
work=${LOGONYM_BENCH_DIR:-/tmp/logonym-bench}
mkdir -p "$work"
command -v rsyslogd >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsyslog >/dev/null; }
swift build -c release --product logonym 2>&1 | tail -n 1
log="$work/access-$lines.log"
[ -s "$log" ] || python3 Benchmarks/gen_access_log.py --lines "$lines" --seed 1 --format combined --out "$log"
expected=$(wc -l <"$log")

# logonym
rm -rf "$work/backlog" && mkdir -p "$work/backlog/logs"
ln -sf "$log" "$work/backlog/logs/access.log"
cat >"$work/backlog/logonym.toml" <<TOML
[state]
dir = "state"
[output]
dir = "out"
compress = false
[[input]]
name = "web"
paths = ["logs/access.log"]
format = "combined"
TOML
start=$(date +%s.%N)
.build/release/logonym run --config "$work/backlog/logonym.toml" --once --log-level warning
logonym_seconds=$(echo "$(date +%s.%N) - $start" | bc)
logonym_lines=$(cat "$work"/backlog/out/web/* | wc -l)

# rsyslog imfile + mmanon
rm -rf "$work/rsyslog" && mkdir -p "$work/rsyslog/work"
cat >"$work/rsyslog/rsyslog.conf" <<CONF
global(workDirectory="$work/rsyslog/work" maxMessageSize="128k")
module(load="imfile")
module(load="mmanon")
template(name="raw" type="string" string="%msg%\n")
ruleset(name="anon") {
    action(type="mmanon" ipv4.bits="8" ipv4.mode="zero" ipv6.bits="80" ipv6.anonmode="zero")
    action(type="omfile" file="$work/rsyslog/out.log" template="raw")
}
input(type="imfile" file="$log" tag="web" ruleset="anon" freshStartTail="off")
CONF
start=$(date +%s.%N)
rsyslogd -n -f "$work/rsyslog/rsyslog.conf" -i "$work/rsyslog/pid" &
pid=$!
# rsyslog skips empty lines and may drop others: it is done when its output has stopped growing for 3 s.
last_count=-1
last_change=$start
while :; do
    sleep 0.2
    count=$(cat "$work/rsyslog/out.log" 2>/dev/null | wc -l)
    now=$(date +%s.%N)
    if [ "$count" != "$last_count" ]; then last_count=$count; last_change=$now; fi
    if [ "$count" -ge "$expected" ] || [ "$(echo "$now - $last_change > 3" | bc)" = 1 ]; then break; fi
done
rsyslog_seconds=$(echo "$last_change - $start" | bc)
kill "$pid"; wait "$pid" 2>/dev/null || true
rsyslog_lines=$(wc -l <"$work/rsyslog/out.log")
printf '| backlog of %d lines | seconds | lines/s | lines out |\n|---|---:|---:|---:|\n' "$expected"
printf '| logonym run --once | %.2f | %.0f | %d |\n' "$logonym_seconds" "$(echo "$expected / $logonym_seconds" | bc -l)" "$logonym_lines"
printf '| rsyslog imfile + mmanon | %.2f | %.0f | %d |\n' "$rsyslog_seconds" "$(echo "$expected / $rsyslog_seconds" | bc -l)" "$rsyslog_lines"
printf 'speed-up: %.1fx\n' "$(echo "$rsyslog_seconds / $logonym_seconds" | bc -l)"
