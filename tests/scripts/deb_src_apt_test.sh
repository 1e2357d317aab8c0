#!/usr/bin/env bash
# scripts/deb-src-apt.sh on sample apt sources, as TAP: the deb-src twins it
# derives from one-line and deb822 files (and only for Debian's sites), and
# apt's own reading of them: `apt-get update --print-uris` parses the sources
# and lists what it would fetch, without network.
# Usage: deb_src_apt_test.sh path/to/deb-src-apt.sh
# shellcheck disable=SC2317 # the functions run through check
set -uo pipefail
script=$1

if ! command -v apt-get >/dev/null || ! command -v apt-config >/dev/null; then
    echo "1..0 # SKIP no apt here"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sites=(http://deb.debian.org/debian http://deb.debian.org/debian-security)

not() { ! "$@"; }

n=0
failed=0
check() { # DESCRIPTION COMMAND...: one TAP line, ok when COMMAND succeeds
    local what=$1
    shift
    n=$((n + 1))
    if "$@" >&2; then
        echo "ok $n - $what"
    else
        echo "not ok $n - $what"
        failed=1
    fi
}

# A sample machine in $tmp/NAME: its sources in etc/ (written by the caller),
# an APT_CONFIG that points apt at them and away from this machine's apt.conf.d,
# and expected/ for the twins the caller expects.
machine() {
    local m=$tmp/$1
    mkdir -p "$m/etc/sources.list.d" "$m/expected/sources.list.d" "$m/apt.conf.d" "$m/lists/partial" "$m/cache"
    cat >"$m/apt.conf" <<CONF
Dir::Etc::SourceList "$m/etc/sources.list";
Dir::Etc::SourceParts "$m/etc/sources.list.d";
Dir::Etc::Parts "$m/apt.conf.d";
Dir::Etc::Main "/dev/null";
Dir::State::Lists "$m/lists";
Dir::Cache "$m/cache";
CONF
    echo "$m"
}

derive() { # MACHINE: the twins into MACHINE/out
    APT_CONFIG=$1/apt.conf "$script" "$1/out" "${sites[@]}"
}

twins_are_expected() {
    diff -ru -x apt.conf -x lists -x cache "$1/expected" "$1/out"
}

# What apt with APT_CONFIG=MACHINE/apt.conf and then the given options would
# fetch, one URI a line; fails when apt cannot read the sources.
fetches() {
    local m=$1 uris
    shift
    uris=$(APT_CONFIG=$m/apt.conf apt-get "$@" update --print-uris) || return 1
    echo "$uris" | awk '{ gsub(/'\''/, "", $1); print $1 }' | sort -u
}

reads_sources() { # MACHINE
    fetches "$1" >/dev/null
}

conflicts() { # MACHINE: apt refuses its sources for conflicting Signed-By
    ! APT_CONFIG=$1/apt.conf apt-get update --print-uris >/dev/null 2>"$1/err" &&
        grep "Conflicting values set for option Signed-By" "$1/err"
}

twin_fetches_are() { # MACHINE EXPECTED-URIS
    diff -u <(printf '%s\n' "$2" | sort) <(fetches "$1" -c "$1/out/apt.conf")
}

debian=http://deb.debian.org/debian/dists
security=http://deb.debian.org/debian-security/dists
# The Release files of bookworm, -updates and -security, and their Sources of main.
main_sources="\
$debian/bookworm/InRelease
$debian/bookworm/main/source/Sources.xz
$debian/bookworm-updates/InRelease
$debian/bookworm-updates/main/source/Sources.xz
$security/bookworm-security/InRelease
$security/bookworm-security/main/source/Sources.xz"

# (a) One-line sources.list only: deb lines of Debian's sites, options kept;
# not the deb-src line (its twin is already there), a comment, nor another site.
a=$(machine one-line)
cat >"$a/etc/sources.list" <<'LIST'
# bookworm, with the sources of main and contrib
deb http://deb.debian.org/debian bookworm main contrib
deb-src http://deb.debian.org/debian bookworm main contrib
deb http://deb.debian.org/debian/ bookworm-updates main
deb [ arch=amd64 ] http://deb.debian.org/debian-security bookworm-security main
deb [signed-by=/usr/share/keyrings/example.gpg] https://apt.example.com/debian stable main
#deb http://deb.debian.org/debian bookworm-backports main
LIST
cat >"$a/expected/sources.list" <<'LIST'
deb-src http://deb.debian.org/debian bookworm main contrib
deb-src http://deb.debian.org/debian/ bookworm-updates main
deb-src [ arch=amd64 ] http://deb.debian.org/debian-security bookworm-security main
LIST
check "one-line: derives" derive "$a"
check "one-line: the deb-src twins of Debian's deb lines" twins_are_expected "$a"
check "one-line: apt fetches the Sources of each, nothing else" twin_fetches_are "$a" "$main_sources
$debian/bookworm/contrib/source/Sources.xz"

# (b) deb822 only, as in Debian 12's cloud images, and another file with a
# stanza of both types (lower-case keys), a disabled one, a deb-src one and
# another site's: only the first gets a twin there.
b=$(machine deb822)
cat >"$b/etc/sources.list.d/debian.sources" <<'SOURCES'
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
# http://snapshot.debian.org/archive/debian-security/20250520T000000Z
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
cat >"$b/etc/sources.list.d/extra.sources" <<'SOURCES'
types: deb-src deb
uris: http://deb.debian.org/debian/
suites: bookworm
components: contrib
signed-by: /usr/share/keyrings/debian-archive-keyring.gpg

# Backports, off for now.
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Enabled: no

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm-proposed-updates
Components: main

Types: deb
URIs: https://apt.example.com/debian
Suites: stable
Components: main
Signed-By: /usr/share/keyrings/example.gpg
SOURCES
cat >"$b/expected/sources.list.d/debian.sources" <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
cat >"$b/expected/sources.list.d/extra.sources" <<'SOURCES'
Types: deb-src
uris: http://deb.debian.org/debian/
suites: bookworm
components: contrib
signed-by: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
check "deb822: derives" derive "$b"
check "deb822: the deb-src twins of the enabled deb stanzas of Debian's sites" twins_are_expected "$b"
check "deb822: apt fetches the Sources of each, nothing else" twin_fetches_are "$b" "$main_sources
$debian/bookworm/contrib/source/Sources.xz"

# (c) Both: a sources.list without Signed-By and the deb822 file with it, for
# the same suites. apt takes that (Signed-By unset, then set), but not a
# Signed-By-less entry after the .sources, which is what the one-line twins
# in sources.list.d/h2ring-deb-src.list of earlier versions were.
c=$(machine both)
cat >"$c/etc/sources.list" <<'LIST'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
LIST
cp "$b/etc/sources.list.d/debian.sources" "$c/etc/sources.list.d/"
sed 's/^deb /deb-src /' "$c/etc/sources.list" >"$c/expected/sources.list"
cp "$b/expected/sources.list.d/debian.sources" "$c/expected/sources.list.d/"
check "both: apt reads the machine's sources" reads_sources "$c"
cp "$c/expected/sources.list" "$c/etc/sources.list.d/h2ring-deb-src.list"
check "both: a one-line twin after the .sources makes apt fail" conflicts "$c"
rm "$c/etc/sources.list.d/h2ring-deb-src.list"
check "both: derives" derive "$c"
check "both: the twins of each file, in apt's order" twins_are_expected "$c"
check "both: apt reads them and fetches the Sources of each, nothing else" twin_fetches_are "$c" "$main_sources"

# No source of Debian's sites: an error, not an empty apt.
d=$(machine elsewhere)
echo "deb https://apt.example.com/debian stable main" >"$d/etc/sources.list"
check "elsewhere: fails without a deb entry of Debian's sites" not derive "$d"

echo "1..$n"
exit "$failed"
