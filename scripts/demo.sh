#!/usr/bin/env bash
# Installs deps, builds, and runs the demo.
# There is no server yet: until h2serve exists, the demo runs the HPACK tool
# over the hpack-test-case stories in ../shared (or $H2R_SHARED_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh build

stories=${H2R_SHARED_DIR:-../shared}/testdata/hpack-test-case
tool=build/hpack/h2r-hpack
step() { printf '\n==> %s\n' "$*"; }

step "Decode nghttp2's encoding of a story with our decoder, comparing every header"
echo "\$ $tool check $stories/nghttp2/story_03.json"
"$tool" check "$stories/nghttp2/story_03.json"

step "Encode a raw story (headers only) with our encoder"
encoded=$(mktemp --suffix=.json)
trap 'rm -f "$encoded"' EXIT
echo "\$ $tool encode $stories/raw-data/story_03.json > $encoded"
"$tool" encode "$stories/raw-data/story_03.json" >"$encoded"
python3 - "$stories/raw-data/story_03.json" "$encoded" <<'PY'
import json, sys
raw, ours = (json.load(open(p)) for p in sys.argv[1:])
plain = sum(len(k) + len(v) for c in raw["cases"] for h in c["headers"] for k, v in h.items())
wire = sum(len(c["wire"]) // 2 for c in ours["cases"])
print(f'{len(ours["cases"])} header blocks: {plain} bytes of names and values -> {wire} bytes of HPACK')
print("first block:", ours["cases"][0]["wire"])
PY

step "Decode our own encoding again"
echo "\$ $tool check $encoded"
"$tool" check "$encoded"

# Next: the HTTP/2 server. When apps/h2serve exists, the demo starts it here
# (serving a folder over h2c and TLS) and fetches a page from it.
