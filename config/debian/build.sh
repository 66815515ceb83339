#!/usr/bin/env bash
# Builds logonym_<version>_amd64.deb from a release build (README, "Install from the Debian package").
#
#   config/debian/build.sh [--scratch-path DIR] [--binary PATH] [--manual-configuration debug|release] [--output DIR]
#
# Without --binary it runs `swift build -c release --static-swift-stdlib` in the scratch path (default .build);
# with it, the given binary is packaged, and it must have been linked the same way: the package runs on machines
# without a Swift toolchain, so the binary may not need any libswift*.so. The man pages come from
# swift-argument-parser's generate-manual plugin, which builds the package in the scratch path in its own
# configuration (default debug, which `swift test` has usually built already: the plugin's release build has no
# --static-swift-stdlib, so after a static release build it would compile everything again; the help text, and so
# the pages, are the same in both). Needs dpkg-dev (dpkg-shlibdeps) and binutils (strip); runs without root
# (dpkg-deb --root-owner-group).
set -euo pipefail
source_root=$(realpath "$(dirname "$0")/../..")

scratch=
binary=
manual_configuration=debug
output=.
while (($#)); do
    case "$1" in
        --scratch-path) scratch=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        --manual-configuration) manual_configuration=$2; shift 2 ;;
        --output) output=$2; shift 2 ;;
        *) echo "usage: $0 [--scratch-path DIR] [--binary PATH] [--manual-configuration debug|release]" \
            "[--output DIR]" >&2; exit 2 ;;
    esac
done
# Paths given are taken from the current directory; the script works in the source tree.
scratch=$(realpath -m "${scratch:-$source_root/.build}")
output=$(realpath -m "$output")
[[ -z $binary ]] || binary=$(realpath "$binary")
cd "$source_root"

if [[ -z $binary ]]; then
    swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product logonym
    binary=$scratch/release/logonym
fi
if ldd "$binary" | grep -q 'libswift\|libFoundation\|libdispatch\|libBlocksRuntime'; then
    echo "$binary links the Swift runtime dynamically; build it with --static-swift-stdlib" >&2
    exit 1
fi
# "logonym 0.1.0" or "0.1.0": the version is the last word.
version=$("$binary" --version | awk '{ print $NF }')
[[ $version =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || { echo "unusable version: $version" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
install -d "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/logonym" \
    "$root/usr/share/man/man1" "$root/usr/share/logonym" "$root/usr/share/doc/logonym/examples" \
    "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d"

# The binary, stripped as dh_strip does (crash reports of the service carry no symbols anyway: README, "No core
# files").
install -m 755 "$binary" "$root/usr/bin/logonym"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/logonym"

# Exactly one line replaced in a file, or the build fails (a changed config/ must not slip through unadapted).
replace() {
    local file=$1 old=$2 new=$3
    local count
    count=$(grep -c -x -F -- "$old" "$file" || true)
    [[ $count == 1 ]] || { echo "$file: expected one line '$old', found $count" >&2; exit 1; }
    OLD=$old NEW=$new awk '$0 == ENVIRON["OLD"] { print ENVIRON["NEW"]; next } { print }' "$file" >"$file.new"
    mv "$file.new" "$file"
}

# The unit, with the binary where the package puts it.
cp config/logonym.service "$root/lib/systemd/system/logonym.service"
unit=$root/lib/systemd/system/logonym.service
replace "$unit" 'ExecStart=/usr/local/bin/logonym run --config /etc/logonym/logonym.toml' \
    'ExecStart=/usr/bin/logonym run --config /etc/logonym/logonym.toml'
replace "$unit" '# logonym as a systemd service: install the binary as /usr/local/bin/logonym, the configuration as' \
    '# logonym as a systemd service (Debian package: the binary is /usr/bin/logonym). The configuration is'
chmod 644 "$unit"

# The configuration with the production values its comments give (the checkout's version follows the sample).
conf=$root/etc/logonym/logonym.toml
cp config/logonym.toml "$conf"
replace "$conf" '# As shipped it works in a checkout of logonym: it follows the bundled sample log and writes below ../.logonym' \
    '# As installed by the Debian package it follows /var/log/nginx/access.log, keeps its state in /var/lib/logonym and'
replace "$conf" '# (relative paths are resolved against this file'"'"'s directory). For a server, copy it to /etc/logonym/logonym.toml' \
    '# writes to /var/log/logonym. Let the service read the logs first (README, "Reading the web server'"'"'s logs"; the group'
replace "$conf" '# and use the production values in the comments.' \
    '# logonym-logs exists), then: logonym check-config /etc/logonym/logonym.toml && systemctl enable --now logonym'
replace "$conf" 'dir = "../.logonym/state"' 'dir = "/var/lib/logonym"'
replace "$conf" 'dir = "../.logonym/out"' 'dir = "/var/log/logonym"'
replace "$conf" '# Production: "90d" (the default when this key is absent). "off" here, because the bundled sample is from 2026-10.' \
    '# "90d" is the default when this key is absent.'
replace "$conf" 'output = "off"' 'output = "90d"'
replace "$conf" 'name = "sample"' 'name = "nginx"'
replace "$conf" 'paths = ["sample-access.log.gz"]' 'paths = ["/var/log/nginx/access.log"]'
replace "$conf" '# Production: ["/var/log/nginx/access.log"]' \
    '# The bundled sample, to try logonym by hand: /usr/share/doc/logonym/examples/sample-access.log.gz'
chmod 644 "$conf"
echo /etc/logonym/logonym.toml >"$root/DEBIAN/conffiles"

# Monitoring, the sample, docs.
install -m 644 config/logonym.dashboard.json config/logonym.rules.yml "$root/usr/share/logonym/"
install -m 644 config/sample-access.log.gz "$root/usr/share/doc/logonym/examples/"
gzip -9n <README.md >"$root/usr/share/doc/logonym/README.md.gz"
# copyright: logonym's, then each Swift package the binary links (the scratch path's checkouts), with its
# license: a reference for Apache 2.0 (Debian ships its text) plus the package's NOTICE, the full text otherwise.
{
    cat config/debian/copyright
    for checkout in "$scratch"/checkouts/*/; do
        name=$(basename "$checkout")
        license=$(find "$checkout" -maxdepth 1 -iname 'LICENSE*' | head -n 1)
        printf '\n%s\n' "$name"
        if [[ -z $license ]]; then
            echo "  (no license file in its source)"
        elif grep -q 'Apache License' "$license" && grep -q 'Version 2.0' "$license"; then
            echo "  Apache License 2.0, see /usr/share/common-licenses/Apache-2.0."
            notice=$(find "$checkout" -maxdepth 1 -iname 'NOTICE*' | head -n 1)
            [[ -z $notice ]] || sed 's/^/  /' "$notice"
        else
            sed 's/^/  /' "$license"
        fi
    done
} | sed 's/[[:space:]]*$//' >"$root/usr/share/doc/logonym/copyright"
chmod 644 "$root/usr/share/doc/logonym/copyright"
date=$(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}")
printf 'logonym (%s) unstable; urgency=medium\n\n  * Built from %s.\n\n -- %s  %s\n' "$version" \
    "$(git describe --always --dirty 2>/dev/null || echo 'a source tree')" \
    "${LOGONYM_DEB_MAINTAINER:-logonym maintainers <logonym@users.noreply.github.com>}" "$date" |
    gzip -9n >"$root/usr/share/doc/logonym/changelog.gz"

# Shell completions.
# (bash sources its completions: no #! line)
"$binary" --generate-completion-script bash | sed '1{/^#!/d}' >"$root/usr/share/bash-completion/completions/logonym"
"$binary" --generate-completion-script zsh >"$root/usr/share/zsh/vendor-completions/_logonym"
"$binary" --generate-completion-script fish >"$root/usr/share/fish/vendor_completions.d/logonym.fish"

# A man page per command (logonym.1, logonym-anonymize.1, ...), from the generate-manual plugin.
rm -rf "$scratch/plugins/GenerateManual/outputs/logonym"
swift package --scratch-path "$scratch" plugin generate-manual --configuration "$manual_configuration" \
    --multi-page --section 1 \
    --authors "the logonym authors" >"$work/manual.log" 2>&1 || { cat "$work/manual.log" >&2; exit 1; }
manuals=$(find "$scratch/plugins/GenerateManual/outputs/logonym" -name '*.1')
[[ -n $manuals ]] || { echo "generate-manual wrote no pages" >&2; exit 1; }
# The plugin names a subcommand's page logonym.anonymize.1 and its NAME "logonym anonymize"; Debian's man and
# whatis want logonym-anonymize (as git-commit), while the synopsis keeps the command as typed. Blank lines in the
# discussions become paragraph breaks (groff warns about empty input lines).
for page in $manuals; do
    name=$(basename "$page" .1)
    command=${name#logonym}
    command=${command#.}
    if [[ -n $command ]]; then
        sed -E -e 's/^(\.Dt LOGONYM)\./\1-/' -e 's/^(\.Xr logonym)\./\1-/' \
            -e "0,/^\\.Nm \"logonym $command\"\$/s//.Nm logonym-$command/" -e "s/^\\.Nm\$/.Nm \"logonym $command\"/" \
            -e 's/^$/.Pp/' "$page" | gzip -9n >"$root/usr/share/man/man1/logonym-$command.1.gz"
    else
        sed -E -e 's/^(\.Xr logonym)\./\1-/' -e 's/^$/.Pp/' "$page" | gzip -9n >"$root/usr/share/man/man1/logonym.1.gz"
    fi
done

for script in postinst prerm postrm; do
    install -m 755 "config/debian/$script" "$root/DEBIAN/$script"
done

# Depends from what the binary links (dpkg-shlibdeps reads debian/control of the current directory), plus passwd
# for the postinst's groupadd and procps for the unit's ExecReload=/bin/kill.
mkdir -p "$work/src/debian"
printf 'Source: logonym\n\nPackage: logonym\nArchitecture: amd64\n' >"$work/src/debian/control"
depends=$(cd "$work/src" && dpkg-shlibdeps -O -e"$root/usr/bin/logonym" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
for library in libdeflate0 libisal2 libmaxminddb0 libssl3 libsqlite3-0; do
    [[ $depends == *"$library "* || $depends == *"$library," || $depends == *"$library" ]] ||
        { echo "dpkg-shlibdeps did not find $library in the binary: $depends" >&2; exit 1; }
done

cat >"$root/DEBIAN/control" <<EOF
Package: logonym
Version: $version
Architecture: amd64
Maintainer: ${LOGONYM_DEB_MAINTAINER:-logonym maintainers <logonym@users.noreply.github.com>}
Installed-Size: $(du -k -s --apparent-size "$root" | cut -f1)
Depends: $depends, passwd, procps
Section: admin
Priority: optional
Description: pseudonymize web-server access logs
 logonym truncates or pseudonymizes the client and forwarded-for addresses in
 nginx, Apache, Caddy, Traefik, HAProxy and IIS access logs and scrubs personal
 data from URLs, keeping every other byte, so log analyzers still read them.
 It runs as a hardened systemd service that follows the logs through rotation
 without losing or doubling a line, with per-window keys destroyed on schedule,
 Prometheus metrics, a Grafana dashboard and alerting rules.
EOF

mkdir -p "$output"
deb=$output/logonym_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
