#!/usr/bin/env bash
# The README's two commands (Quick start) on a fresh Debian bookworm with Swift, as a new user would run them: a
# debootstrapped root with only Swift's own dependencies installed and empty package lists, the toolchain and the
# local package copies bind-mounted, a clean clone of this repository's HEAD (or of the commit given). Prints the time
# of each command and the test run's closing lines. As root, with debootstrap and the Debian mirror; about 10 minutes
# on 2 cores, plus 3 the first time (the base root is kept for the next run).
#
#   .ci/fresh-root.sh [COMMIT]
#   LOGONYM_FRESH_BASE=DIR   a bookworm root to start from, left untouched (made there when missing)
#   LOGONYM_FRESH_ROOT=DIR   the copy the commands run in (emptied first)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$repo" rev-parse "${1:-HEAD}")
base=${LOGONYM_FRESH_BASE:-/var/tmp/logonym-fresh-base}
root=${LOGONYM_FRESH_ROOT:-/var/tmp/logonym-fresh-root}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
swift=${SWIFT_ROOT:-/opt/swift}
packages=/opt/swift-packages # the local copies that /etc/gitconfig's insteadOf gives for https://github.com/...

# Swift's own dependencies on Debian 12 (what the toolchain's install instructions list, git among them; their
# binutils-gold is part of binutils on bookworm): the machine "with Swift" that the README starts from. Nothing of
# logonym's.
swift_depends=binutils,ca-certificates,git,gnupg2,libc6-dev,libcurl4-openssl-dev,libedit2,libgcc-12-dev
swift_depends+=,libpython3-dev,libsqlite3-0,libstdc++-12-dev,libxml2-dev,libncurses-dev,libz3-dev,pkg-config
swift_depends+=,tzdata,unzip,zip,zlib1g-dev,gcc

if [ ! -x "$base/usr/bin/git" ]; then
    echo "== debootstrap bookworm into $base (once)"
    rm -rf "$base.tmp"
    debootstrap --include="$swift_depends" bookworm "$base.tmp" "$mirror" >/tmp/logonym-fresh-debootstrap.log 2>&1 ||
        { tail -n 20 /tmp/logonym-fresh-debootstrap.log; exit 1; }
    mv "$base.tmp" "$base"
fi

cleanup() {
    for m in proc opt/swift-packages opt/swift; do
        mountpoint -q "$root/$m" && umount "$root/$m"
    done
    return 0
}
trap cleanup EXIT
cleanup
rm -rf "$root"
cp -a "$base" "$root"
mkdir -p "$root/opt/swift" "$root/opt/swift-packages"
mount --bind "$swift" "$root/opt/swift"
mount -o remount,bind,ro "$root/opt/swift" || true
mount --bind "$packages" "$root/opt/swift-packages"
mount -o remount,bind,ro "$root/opt/swift-packages" || true
mount -t proc proc "$root/proc"
# How git (and so swift build) finds the package copies, and that it ignores Package.resolved; DNS for apt-get.
cp /etc/gitconfig "$root/etc/gitconfig"
[ -f /etc/gitignore ] && cp /etc/gitignore "$root/etc/gitignore"
cp /etc/resolv.conf "$root/etc/resolv.conf"
rm -rf "$root"/var/lib/apt/lists/*
git clone -q "$repo" "$root/root/logonym"
git -C "$root/root/logonym" checkout -q "$commit"
echo "== $(git -C "$root/root/logonym" log --oneline -1 | cut -c 1-100)"

# The README's two commands, as written: the first two sh blocks under "## Quick start".
awk '/^## Quick start/ { on = 1; next } on && /^## / { exit } on && /^```sh$/ { code = 1; n++; next }
    code && /^```$/ { code = 0; next } code { print > ("'"$root"'/root/command" n) }' "$repo/README.md"
[ -s "$root/root/command1" ] && [ -s "$root/root/command2" ] || { echo "README: Quick start's commands not found"; exit 1; }

# A login-like environment: no CI variable (the tests would then demand their programs instead of skipping).
run() {
    chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
        PATH=/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /bin/bash -c "cd /root/logonym && set -e && . /root/$1"
}
status=0
for n in 1 2; do
    echo "== command $n: $(cat "$root/root/command$n")"
    log=/tmp/logonym-fresh-command$n.log
    start=$(date +%s)
    rc=0
    run "command$n" >"$log" 2>&1 || rc=$?
    echo "command $n: exit $rc after $(($(date +%s) - start)) s (log: $log)"
    [ "$rc" -eq 0 ] || { tail -n 30 "$log"; status=1; }
done
# What the tests said they skipped, and Swift Testing's closing line (XCTest's runs no test here).
grep -E 'skipped' /tmp/logonym-fresh-command2.log | grep -v -E '^.{0,3}Test case' | sort | uniq -c || true
grep -E 'Test run with [0-9]+ test' /tmp/logonym-fresh-command2.log | tail -n 1 || true
exit "$status"
