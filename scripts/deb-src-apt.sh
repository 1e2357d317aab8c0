#!/usr/bin/env bash
# Usage: scripts/deb-src-apt.sh DIR SITE...
# Sets up a private apt in DIR that knows Debian's source packages, for
# `apt-get -c DIR/apt.conf update` and `apt-get -c DIR/apt.conf source ...`,
# without touching the machine's apt configuration: its own sources list,
# package lists and caches, all in DIR (build-wolfssl.sh deletes DIR after use).
#
# The sources are the deb-src twins of the machine's deb entries for the given
# sites (Debian's archive: the mirror URIs, without a trailing slash), in the
# format each was written in, with the same suites, components and options
# (Signed-By too; without it apt checks with the machine's trusted keys, as for
# the deb entry). Each file keeps its name and apt reads them in the machine's
# order: apt only accepts a Signed-By-less entry before, not after, one with
# Signed-By for the same mirror and suite (else "Conflicting values set for
# option Signed-By"), so whatever mix of sources.list and deb822 .sources the
# machine's apt accepts, this one accepts too.
# The machine's sources are where apt-config says (APT_CONFIG is honoured).
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 DIR SITE..." >&2; exit 2; }
dir=$1
shift
sites=$(printf '%s\n' "$@")

# apt-config quotes the values for the shell.
list='' parts=''
eval "$(apt-config shell list Dir::Etc::SourceList/f parts Dir::Etc::SourceParts/d)"

mkdir -p "$dir/sources.list.d" "$dir/lists/partial" "$dir/cache/archives/partial"

# One-line format: each "deb [options] URI suite components" line whose URI is
# one of the sites, with deb-src for deb.
one_line_twins() {
    awk -v sites="$sites" '
        BEGIN { n = split(sites, s, "\n"); for (i = 1; i <= n; i++) debian[s[i]] = 1 }
        $1 == "deb" {
            k = 2
            if ($2 ~ /^\[/) { while (k <= NF && $k !~ /\]$/) k++; k++ }
            uri = $k; sub(/\/+$/, "", uri)
            if (uri in debian) { sub(/deb/, "deb-src"); print }
        }' "$1"
}

# deb822: each enabled stanza whose Types has deb and whose URIs include one of
# the sites, with Types: deb-src and without comments.
deb822_twins() {
    awk -v sites="$sites" '
        BEGIN { RS = ""; FS = "\n"; n = split(sites, s, "\n"); for (i = 1; i <= n; i++) debian[s[i]] = 1 }
        {
            out = ""; deb = 0; site = 0; enabled = 1
            for (i = 1; i <= NF; i++) {
                line = $i
                if (line ~ /^#/) continue
                key = tolower(line); sub(/:.*/, "", key)
                val = line; sub(/^[^:]*:[ \t]*/, "", val)
                if (line !~ /^[ \t]/ && key == "types") {
                    if (val ~ /(^|[ \t])deb([ \t]|$)/) deb = 1
                    line = "Types: deb-src"
                } else if (line !~ /^[ \t]/ && key == "uris") {
                    m = split(val, u, /[ \t]+/)
                    for (j = 1; j <= m; j++) { uri = u[j]; sub(/\/+$/, "", uri); if (uri in debian) site = 1 }
                } else if (line !~ /^[ \t]/ && key == "enabled" && tolower(val) == "no") {
                    enabled = 0
                }
                out = out line "\n"
            }
            if (deb && site && enabled) { if (printed++) printf "\n"; printf "%s", out }
        }' "$1"
}

found=0
if [ -f "$list" ]; then
    one_line_twins "$list" >"$dir/sources.list"
    [ -s "$dir/sources.list" ] && found=1
fi
for f in "$parts"*.list "$parts"*.sources; do
    [ -f "$f" ] || continue
    twin=$dir/sources.list.d/${f##*/}
    case $f in
    *.list) one_line_twins "$f" >"$twin" ;;
    *) deb822_twins "$f" >"$twin" ;;
    esac
    if [ -s "$twin" ]; then found=1; else rm -f "$twin"; fi
done
[ "$found" = 1 ] || { echo "$0: no deb entry for $* in apt's sources ($list, $parts)" >&2; exit 1; }

# The machine's apt.conf.d still applies (proxies, for one); its update hooks
# do not: they are about the machine's lists, not these.
{
    printf 'Dir::Etc::SourceList "%s";\n' "$dir/sources.list"
    printf 'Dir::Etc::SourceParts "%s";\n' "$dir/sources.list.d"
    printf 'Dir::State::Lists "%s";\n' "$dir/lists"
    printf 'Dir::Cache "%s";\n' "$dir/cache"
    printf '#clear APT::Update::Pre-Invoke;\n#clear APT::Update::Post-Invoke;\n#clear APT::Update::Post-Invoke-Success;\n'
    # As root, apt downloads as the _apt user, which cannot write in DIR:
    # download as root outright rather than have apt print a notice about it.
    [ "$(id -u)" -ne 0 ] || printf 'APT::Sandbox::User "root";\n'
} >"$dir/apt.conf"
