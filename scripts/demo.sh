#!/usr/bin/env bash
# Installs deps, builds, and starts h2serve's demo site in the foreground
# (Ctrl-C stops it gracefully). Flags are passed to h2serve, e.g.
#   scripts/demo.sh --port 9000 --root /var/www
# Try it from another terminal:
#   curl --http2-prior-knowledge http://127.0.0.1:8080/hello
#   nghttp -nv http://127.0.0.1:8080/x      # PUSH_PROMISE for /y and /z
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh build

echo "==> build/apps/h2serve --access-log - $*"
exec build/apps/h2serve --access-log - "$@"
