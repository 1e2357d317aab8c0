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
# The source comes through a private apt (scripts/deb-src-apt.sh: deb-src twins
# of the machine's Debian sources, with their own lists, in the build folder),
# so the machine's apt configuration is left as it is, whatever happens.
# Needs root (or sudo) only to run apt-get update when the machine has no
# package lists, and once to remove the deb-src files earlier versions wrote
# (scripts/remove-old-deb-src.sh); the rest runs as the calling user.
# scripts/install-deps.sh installs the tools it needs (dpkg-dev, autoconf,
# automake, libtool, build-essential) and then calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts=$root/scripts

deps=$root/.deps
prefix=$deps/wolfssl
work=$deps/wolfssl-build
stamp=$prefix/h2ring-build.stamp
# The private apt; deleted on exit, whether the build succeeds or not.
private_apt=$work/apt

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

"$scripts/remove-old-deb-src.sh"

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

if [ -z "$(candidate_version)" ]; then
    log "apt has no package lists: apt-get update"
    as_root apt-get update -q
fi
version=$(candidate_version)
[ -n "$version" ] || die "apt knows no libwolfssl-dev; is this Debian 12?"

# The mirrors of Debian's archive among the machine's sources: those whose
# Release files say Origin: Debian.
# shellcheck disable=SC2016 # $(...) are apt's placeholders, not the shell's
debian_sites=$(apt-get indextargets --format '$(TARGET_OF) $(ORIGIN) $(SITE)' 2>/dev/null |
    awk '$1 == "deb" && $2 == "Debian" { sub(/\/+$/, "", $3); print $3 }' | sort -u)
[ -n "$debian_sites" ] || die "no apt source with Origin: Debian; are apt's sources set up?"

log "building wolfSSL $version from Debian's source into ${prefix#"$root"/} (a minute or two; log: ${work#"$root"/}/build.log)"
rm -rf "$work" "$prefix"
mkdir -p "$work"
cd "$work"
buildlog=$work/build.log
trap 'rm -rf "$private_apt"' EXIT
build() {
    # shellcheck disable=SC2086 # one site a word
    "$scripts/deb-src-apt.sh" "$private_apt" $debian_sites
    local apt_conf=$private_apt/apt.conf
    apt-get -c "$apt_conf" update
    if ! apt-cache -c "$apt_conf" showsrc --only-source wolfssl | grep -qx "Version: $version"; then
        echo "apt has no source package wolfssl $version in the deb-src twins of these sources:"
        cat "$private_apt/sources.list" "$private_apt"/sources.list.d/* 2>/dev/null
        return 1
    fi
    apt-get -c "$apt_conf" source --only-source "wolfssl=$version"
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
