#!/usr/bin/env bash
# Throughput with geo buckets on and off, on the 1,000,000-line benchmark log, with a real-size country database:
# the Tor range files of Debian's tor-geoipdb read directly, and the same data as a .mmdb built with the project's
# tor2mmdb.pl (libmaxmind-db-writer-perl). Median of 10 runs each, same run (hyperfine).
#
#   Benchmarks/geo.sh [LINES]
#
# tor-geoipdb depends on the tor package; to keep tor off a machine, the script unpacks the .deb instead.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
work=${LOGONYM_BENCH_DIR:-/tmp/logonym-bench}
mkdir -p "$work"
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
perl -MMaxMind::DB::Writer::Tree -e1 2>/dev/null || need+=(libmaxmind-db-writer-perl)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
tor=/usr/share/tor
if [ ! -s "$tor/geoip" ]; then
    (cd "$work" && apt-get download -qq tor-geoipdb && dpkg -x tor-geoipdb_*.deb "$work/tor-geoipdb")
    tor="$work/tor-geoipdb/usr/share/tor"
fi
swift build -c release --product logonym 2>&1 | tail -n 1
log="$work/access-$lines.log"
[ -s "$log" ] || python3 Benchmarks/gen_access_log.py --lines "$lines" --seed 1 --format combined --out "$log"
mmdb="$work/tor-country.mmdb"
[ -s "$mmdb" ] || perl Benchmarks/tor2mmdb.pl Tests/Fixtures/geo/cc2continent.tsv "$tor/geoip" "$tor/geoip6" "$mmdb"
bin="$(pwd)/.build/release/logonym anonymize --format combined --summary none --no-progress"
hyperfine -N -w 2 -r 10 \
    -n "geo off" "$bin $log -o /dev/null" \
    -n "geo on, Tor files" "$bin --geo $tor $log -o /dev/null" \
    -n "geo on, .mmdb from the Tor files" "$bin --geo $mmdb $log -o /dev/null" \
    -n "geo on, .mmdb, --geo-field append" "$bin --geo $mmdb --geo-field append $log -o /dev/null"
