#!/usr/bin/env bash
# Usage: scripts/build.sh [BUILDDIR] [meson options...]
# Configures BUILDDIR (default: build; the defaults in meson.build make it an
# optimised build with debug info), or reconfigures it with the given options
# if it exists, then builds it. The compiler is chosen by CC at the first
# configuration only (e.g. CC=clang); use a new BUILDDIR to change it.
set -euo pipefail
cd "$(dirname "$0")/.."

builddir=${1:-build}
shift || true

if [ -f "$builddir/meson-private/coredata.dat" ]; then
    meson setup --reconfigure "$builddir" "$@"
else
    meson setup "$builddir" "$@"
fi
ninja -C "$builddir"
