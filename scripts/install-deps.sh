#!/usr/bin/env bash
# Installs what h2ring's build and tests need on Debian 12 (bookworm).
# Then builds wolfSSL with AES-NI into .deps/wolfssl (scripts/build-wolfssl.sh).
# Safe to run again: when everything is already there it touches nothing.
set -euo pipefail

# One list; add a package to the group it belongs to, with the reason if not obvious.
packages=(
    # Toolchain and build system; pkg-config also builds examples/ against an
    # installed libh2ring (tests/install), whose object binutils' objcopy makes
    # (lib/prelink.py) and whose symbols nm and readelf check
    build-essential meson ninja-build pkg-config python3 binutils
    # Libraries h2ring links with
    liburing-dev libwolfssl-dev libjemalloc-dev libjansson-dev
    # Interop: nghttp2's HPACK inflater cross-checks our encoder
    libnghttp2-dev
    # Real clients for h2serve in tests/io: nghttp and h2load, curl, Node's http2,
    # and python3-h2 (its hyperframe and hpack build raw frames for Debian's python3)
    nghttp2-client curl nodejs python3-h2
    # Real servers for the clients (tests/io's client, h2get and h2proxy tests): nghttpd and h2o, and a
    # gRPC server and client behind h2proxy
    nghttp2-server h2o python3-grpcio
    # TLS tests: throwaway certificates and s_client's ALPN, SNI and version probes
    openssl
    # clang for the sanitizer and libFuzzer builds (its runtimes are in
    # libclang-rt-14-dev); llvm for llvm-symbolizer, so reports have line numbers
    clang libclang-rt-14-dev llvm
    # Fetching sources over HTTPS
    ca-certificates git
    # scripts/build-wolfssl.sh: apt-get source needs dpkg-dev (dpkg-source), and
    # Debian's wolfSSL tarball has no configure script (autogen.sh: autotools)
    dpkg-dev autoconf automake libtool
)

# Before any apt-get: deb-src files of an earlier build-wolfssl.sh can make apt
# refuse every command.
"$(dirname "$0")"/remove-old-deb-src.sh

missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    # A fresh machine has no sudo but runs us as root; a developer may not be root.
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "install-deps: run as root (no sudo found)" >&2; exit 1; }
        sudo=(sudo)
    fi

    echo "install-deps: installing ${missing[*]}"
    # A package with a service (h2o) would start it, and nothing may be left
    # running: for the install, a policy-rc.d of ours refuses every start,
    # unless the machine has its own.
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
        "${sudo[@]}" chmod 755 "$policy"
        trap '"${sudo[@]}" rm -f "$policy"' EXIT
    fi
    "${sudo[@]}" apt-get update -q
    # env, not export: sudo would drop an exported variable.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
    if [ "$(trap -p EXIT)" ]; then
        "${sudo[@]}" rm -f "$policy"
        trap - EXIT
    fi
fi

# wolfSSL with AES-NI, from Debian's source, into .deps/wolfssl (meson's
# -Dwolfssl=local, the default); returns at once when that build is current.
"$(dirname "$0")"/build-wolfssl.sh
