#!/usr/bin/env bash
# Removes the deb-src entries that earlier versions of build-wolfssl.sh wrote
# into the machine's apt configuration, /etc/apt/sources.list.d/h2ring-deb-src.*
# (it now fetches Debian's source with a private apt: scripts/deb-src-apt.sh).
# Next to both a sources.list and a deb822 .sources, they made apt refuse
# every command ("Conflicting values set for option Signed-By").
# install-deps.sh runs this before its apt-get update, build-wolfssl.sh before
# it asks apt anything; when nothing is there it does nothing.
set -euo pipefail

old=()
for f in /etc/apt/sources.list.d/h2ring-deb-src.list /etc/apt/sources.list.d/h2ring-deb-src.sources; do
    [ ! -e "$f" ] || old+=("$f")
done
[ ${#old[@]} -gt 0 ] || exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "remove-old-deb-src: removing ${old[*]}" >&2
"${sudo[@]}" rm -f "${old[@]}"
# apt ignores the package lists of entries that are gone, but only an update
# deletes them (Debian's Sources indexes: tens of MB) and leaves the machine's
# apt as if the entries had never been there. Offline, that can wait.
"${sudo[@]}" apt-get update -q ||
    echo "remove-old-deb-src: apt-get update failed; the next one deletes the lists of the removed entries" >&2
