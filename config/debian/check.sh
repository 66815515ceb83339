#!/usr/bin/env bash
# Installs a logonym .deb into a fresh Debian bookworm root and checks it, then removes and purges it
# (run by .ci/run; as root, with debootstrap and network access to the Debian mirror):
#
#   config/debian/check.sh logonym_0.1.0_amd64.deb
#
# The root is minbase plus only the package's Depends, man-db and systemd (for systemd-analyze), so the binary is
# shown to run with what the package declares and without a Swift toolchain. It lives in a temporary directory and is
# deleted afterwards; /proc is mounted in a private mount namespace, so nothing is left mounted on the host.
set -euo pipefail

deb=$(realpath "$1")
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
root=$(mktemp -d /tmp/logonym-deb-root.XXXXXX)
trap 'rm -rf "$root"' EXIT

# "libc6 (>= 2.34), libssl3 (>= 3.0.0), passwd" -> "libc6,libssl3,passwd"
depends=$(dpkg-deb -f "$deb" Depends | sed -E 's/ *\([^)]*\)//g; s/ *, */,/g')
echo "debootstrap bookworm (minbase, $depends,man-db,systemd)"
debootstrap --variant=minbase --include="$depends,man-db,systemd" bookworm "$root/fs" "$mirror" \
    >"$root/debootstrap.log" 2>&1 || { tail -n 20 "$root/debootstrap.log"; exit 1; }
fs=$root/fs
if [[ -e $fs/opt/swift ]] || find "$fs" -name 'libswiftCore.so*' | grep -q .; then
    echo "the root has a Swift runtime" >&2
    exit 1
fi
cp "$deb" "$fs/tmp/logonym.deb"

# The checks, inside the root. Each command's output is shown; the first failure stops the run.
cat >"$fs/tmp/check" <<'EOF'
set -eu
run() { printf '+ %s\n' "$*"; "$@"; }
fail() { echo "FAIL: $*"; exit 1; }

run dpkg -i /tmp/logonym.deb
run logonym --version
run logonym check-config /etc/logonym/logonym.toml
run logonym anonymize /usr/share/doc/logonym/examples/sample-access.log.gz -o /tmp/sample.log.gz 2>/dev/null
[ "$(zcat /tmp/sample.log.gz | wc -l)" -eq 2000 ] || fail "the sample did not give 2000 lines"
run man -P cat logonym-anonymize | head -n 8
for command in $(logonym --help | sed -n '/^SUBCOMMANDS:/,/^$/p' | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
    man -w "logonym-$command" >/dev/null || fail "no man page for logonym $command"
    pages=$((${pages:-0} + 1))
done
[ "${pages:-0}" -ge 9 ] || fail "only ${pages:-0} subcommands found in logonym --help"
echo "a man page for each of the $pages subcommands"
run systemd-analyze verify /lib/systemd/system/logonym.service
getent group logonym-logs >/dev/null || fail "no group logonym-logs"
[ "$(stat -c %a /var/lib/logonym)" = 700 ] || fail "/var/lib/logonym is not 0700"
[ "$(stat -c %a /var/log/logonym)" = 750 ] || fail "/var/log/logonym is not 0750"
[ -s /usr/share/bash-completion/completions/logonym ] || fail "no bash completion"
grep -q -x /etc/logonym/logonym.toml /var/lib/dpkg/info/logonym.conffiles || fail "the config is no conffile"

dpkg -L logonym >/tmp/files
echo "$(wc -l </tmp/files) paths installed"
# A path that stays after removal must belong to another package (a shared directory such as /usr/share/man).
leftovers() {
    while read -r path; do
        [ "$path" = /. ] && continue
        [ -e "$path" ] || [ -L "$path" ] || continue
        [ "$path" = /etc/logonym ] && [ "$1" = remove ] && continue
        [ "$path" = /etc/logonym/logonym.toml ] && [ "$1" = remove ] && continue
        dpkg -S "$path" >/dev/null 2>&1 || echo "$path"
    done </tmp/files
}
# As an admin would after editing the configuration; dpkg -r must take the link away with the unit.
run systemctl enable logonym.service
run dpkg -r logonym
wants=/etc/systemd/system/multi-user.target.wants/logonym.service
[ ! -e "$wants" ] && [ ! -L "$wants" ] || fail "dpkg -r left the service enabled"
left=$(leftovers remove)
[ -z "$left" ] || fail "left after dpkg -r: $left"
[ -f /etc/logonym/logonym.toml ] || fail "dpkg -r removed the conffile"
run dpkg -P logonym
left=$(leftovers purge)
[ -z "$left" ] || fail "left after dpkg -P: $left"
for path in /etc/logonym /var/lib/logonym /var/log/logonym /usr/bin/logonym /lib/systemd/system/logonym.service; do
    [ ! -e "$path" ] || fail "$path is left after dpkg -P"
done
dpkg -s logonym >/dev/null 2>&1 && fail "dpkg still knows logonym"
echo "installed, checked, removed and purged"
EOF
unshare --mount --fork sh -c 'mount -t proc proc "$1/proc" && chroot "$1" /bin/sh /tmp/check' sh "$fs"
