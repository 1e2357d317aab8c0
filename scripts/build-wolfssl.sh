#!/usr/bin/env bash
# Builds wolfSSL from Debian's own source package into .deps/wolfssl (a static
# library, headers and wolfssl/options.h), with AES-NI and the x86-64 assembly.
#
# Why: Debian's libwolfssl is built without AES-NI, and AES-GCM then runs at
# 80-180 MB/s on one core, far below what a TLS server needs (this build: ~5 GB/s;
# bench/tls/aesgcm_bench.c measures both). Taking Debian's source
# package (not upstream's tarball) keeps the exact version and the security
# patches of the distribution's libwolfssl; only the configure flags differ.
# meson's `-Dwolfssl=local` (the default) links with this build,
# `-Dwolfssl=system` with Debian's libwolfssl-dev.
#
# Safe to run again: when .deps/wolfssl holds a build of the same Debian
# version with the same flags (see the stamp file), it exits at once.
# Needs root (or sudo) only to add a deb-src entry and run apt-get update;
# the build itself runs as the calling user. scripts/install-deps.sh installs
# the tools it needs (dpkg-dev, autoconf, automake, libtool, build-essential)
# and then calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

deps=$root/.deps
prefix=$deps/wolfssl
work=$deps/wolfssl-build
stamp=$prefix/h2ring-build.stamp
srclist=/etc/apt/sources.list.d/h2ring-deb-src

# What an HTTP/2 server needs, with the fast paths; everything else keeps
# wolfSSL's defaults (RSA and RSA-PSS, HKDF, the session cache, hardening
# against timing attacks, the RFC 5746 renegotiation indication without
# renegotiation itself). No OpenSSL compatibility layer: the TLS code uses
# the native wolfSSL API. Changing this list makes the next run rebuild.
configure_flags=(
    # A static, position-independent library: executables (PIE by default on
    # Debian) link it in, so there is no rpath nor any clash with the system's
    # libwolfssl.so at run time.
    --enable-static --disable-shared --with-pic
    # The point of this build: AES-NI for AES-GCM, and the x86-64 assembly
    # (AVX/AVX2 ChaCha20-Poly1305, GHASH, SHA-2), chosen at run time by CPUID.
    --enable-aesni --enable-intelasm
    # Single-precision math with assembly for P-256/384/521 and RSA and DH
    # 2048/3072/4096: the ECDHE and signature costs of each handshake.
    --enable-sp --enable-sp-asm
    # TLS 1.2 and 1.3 only: HTTP/2 forbids anything older (RFC 9113, 9.2).
    --enable-tls13 --enable-tlsv12 --disable-oldtls
    # The AEADs of TLS 1.3 and of HTTP/2's TLS 1.2 suites; ECDHE with X25519
    # and the NIST curves, ECDSA certificates.
    --enable-aesgcm --enable-chacha --enable-poly1305
    --enable-ecc --enable-curve25519 --enable-supportedcurves
    # SNI (wolfSSL_SNI_GetFromBuffer reads the name from the ClientHello to
    # pick the site's CTX; in 5.5.4 wolfSSL_CTX_set_servername_callback is only
    # compiled with the OpenSSL compatibility layer), ALPN (h2 or http/1.1),
    # and session tickets (resumption without a shared session cache).
    --enable-sni --enable-alpn --enable-session-ticket
    # Nobody here runs wolfSSL's own example programs or test binaries.
    --disable-examples --disable-crypttests --disable-benchmark
)

log() { echo "build-wolfssl: $*" >&2; }
die() { log "$*"; exit 1; }

# A fresh machine has no sudo but runs us as root; a developer may not be root.
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi
as_root() {
    if [ ${#sudo[@]} -gt 0 ] && ! command -v sudo >/dev/null; then
        die "run as root (no sudo found) for: $*"
    fi
    "${sudo[@]}" "$@"
}

# The Debian version of wolfSSL that apt would install now (libwolfssl-dev's
# candidate, e.g. 5.5.4-2+deb12u3), so that a security update in the
# archive makes the next run rebuild. Empty when apt has no package lists.
candidate_version() {
    apt-cache policy libwolfssl-dev 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

stamp_text() {
    printf 'debian-source=wolfssl %s\nconfigure=%s\n' "$1" "${configure_flags[*]}"
}

is_built() {
    [ -f "$prefix/lib/libwolfssl.a" ] && [ -f "$prefix/include/wolfssl/options.h" ] &&
        [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(stamp_text "$1")" ]
}

mkdir -p "$deps"
# scripts/test.sh and scripts/demo.sh may run at the same time (both call
# install-deps.sh): the second waits for the first's build, then reuses it.
exec 9>"$deps/wolfssl.lock"
flock 9

version=$(candidate_version)
if [ -z "$version" ] && [ -f "$stamp" ]; then
    # No package lists (e.g. cleaned by an image build): trust the last build
    # rather than fail or rebuild offline.
    version=$(sed -n 's/^debian-source=wolfssl //p' "$stamp")
fi
if [ -n "$version" ] && is_built "$version"; then
    exit 0
fi

for tool in apt-get dpkg-source autoreconf automake libtoolize make cc; do
    command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-deps.sh first"
done

# Writes deb-src twins of the deb entries that point at Debian's archive
# (whose Release files say Origin: Debian), in the format they are written in
# (deb822 .sources or one-line .list) and with the same mirror, suites,
# components and Signed-By, so apt sees one consistent source per mirror.
# Prints the names of the files whose content changed.
write_deb_src() {
    local sites tmp changed=()
    # shellcheck disable=SC2016 # $(...) are apt's placeholders, not the shell's
    sites=$(apt-get indextargets --format '$(TARGET_OF) $(ORIGIN) $(SITE)' 2>/dev/null |
        awk '$1 == "deb" && $2 == "Debian" { sub(/\/+$/, "", $3); print $3 }' | sort -u)
    [ -n "$sites" ] || die "no apt source with Origin: Debian; is /etc/apt/sources.list set up?"
    tmp=$(mktemp -d)
    # deb822: copy each enabled stanza whose Types has deb and whose URIs
    # include a Debian site, with Types: deb-src and without comments.
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        [ "$f" = "$srclist.sources" ] && continue
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
                        for (j = 1; j <= m; j++) { x = u[j]; sub(/\/+$/, "", x); if (x in debian) site = 1 }
                    } else if (line !~ /^[ \t]/ && key == "enabled" && tolower(val) == "no") {
                        enabled = 0
                    }
                    out = out line "\n"
                }
                if (deb && site && enabled) printf "%s\n", out
            }' "$f" >>"$tmp/sources"
    done
    # One-line format: each "deb [options] URI suite components" line.
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        [ "$f" = "$srclist.list" ] && continue
        awk -v sites="$sites" '
            BEGIN { n = split(sites, s, "\n"); for (i = 1; i <= n; i++) debian[s[i]] = 1 }
            $1 == "deb" {
                k = 2
                if ($2 ~ /^\[/) { while (k <= NF && $k !~ /\]$/) k++; k++ }
                x = $k; sub(/\/+$/, "", x)
                if (x in debian) { sub(/^deb/, "deb-src"); print }
            }' "$f" >>"$tmp/list"
    done
    [ -s "$tmp/sources" ] || [ -s "$tmp/list" ] || { rm -rf "$tmp"; die "found no deb entry for Debian's archive"; }
    local ext header="# Written by h2ring's scripts/build-wolfssl.sh: Debian's source packages,
# to build wolfSSL from Debian's own source (apt-get source wolfssl)."
    for ext in sources list; do
        if [ -s "$tmp/$ext" ]; then
            printf '%s\n%s' "$header" "$(cat "$tmp/$ext")" >"$tmp/$ext.new"
            echo >>"$tmp/$ext.new"
            if ! cmp -s "$tmp/$ext.new" "$srclist.$ext"; then
                as_root install -m 644 "$tmp/$ext.new" "$srclist.$ext"
                changed+=("$srclist.$ext")
            fi
        elif [ -e "$srclist.$ext" ]; then
            as_root rm -f "$srclist.$ext"
            changed+=("$srclist.$ext")
        fi
    done
    rm -rf "$tmp"
    [ ${#changed[@]} -eq 0 ] || printf '%s\n' "${changed[@]}"
}

has_source() {
    apt-cache showsrc --only-source wolfssl 2>/dev/null | grep -qx "Version: $1"
}

if [ -z "$version" ]; then
    log "apt has no package lists: apt-get update"
    as_root apt-get update -q
    version=$(candidate_version)
    [ -n "$version" ] || die "apt knows no libwolfssl-dev; is this Debian 12?"
fi
if ! has_source "$version"; then
    written=$(write_deb_src)
    [ -z "$written" ] || log "wrote $(echo "$written" | tr '\n' ' ')"
    as_root apt-get update -q
    has_source "$version" || die "apt has no source package wolfssl $version after adding deb-src"
fi

log "building wolfSSL $version from Debian's source into ${prefix#"$root"/} (a minute or two; log: ${work#"$root"/}/build.log)"
rm -rf "$work" "$prefix"
mkdir -p "$work"
cd "$work"
buildlog=$work/build.log
build() {
    # As root, apt's download sandbox user (_apt) cannot write here: download
    # as root outright rather than have apt print a notice about falling back.
    local apt_opts=()
    [ "$(id -u)" -ne 0 ] || apt_opts=(-o APT::Sandbox::User=root)
    apt-get "${apt_opts[@]}" source --only-source "wolfssl=$version"
    local srcdir
    srcdir=$(find . -mindepth 1 -maxdepth 1 -type d -name 'wolfssl-*' | head -n 1)
    [ -n "$srcdir" ] || { echo "apt-get source made no wolfssl-* folder"; return 1; }
    cd "$srcdir"
    # Debian's tarball has no configure script.
    ./autogen.sh
    ./configure --prefix="$prefix" "${configure_flags[@]}"
    make -j"$(nproc)"
    make install
}
if ! build >"$buildlog" 2>&1; then
    tail -n 40 "$buildlog" >&2
    die "failed; the whole log is ${buildlog#"$root"/}"
fi
# Written last: a build stopped half-way leaves no stamp and is redone.
stamp_text "$version" >"$stamp"
log "done: $(grep -m1 'define LIBWOLFSSL_VERSION_STRING' "$prefix/include/wolfssl/version.h" | awk '{ print $3 }') in ${prefix#"$root"/}"
