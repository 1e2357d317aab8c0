#!/usr/bin/env bash
# Installs deps, builds with clang + ASan/UBSan (and the libFuzzer targets) in
# build-asan, runs every meson test suite, and closes with "N passed, N failed".
# Usage: scripts/test.sh [meson test options...]   e.g. --suite hpack
# H2R_FUZZ_SECONDS (default 60) sets how long each fuzzer runs.
set -euo pipefail
cd "$(dirname "$0")/.."

builddir=build-asan
testlog=$builddir/meson-logs/testlog.json

# The closing line is printed whatever happens, so a failure is never silent.
if ! scripts/install-deps.sh; then
    echo "installing dependencies failed"
    echo "0 passed, 1 failed"
    exit 1
fi
if ! CC=clang scripts/build.sh "$builddir" \
    -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=enabled; then
    echo "build failed"
    echo "0 passed, 1 failed"
    exit 1
fi

# Any sanitizer finding kills the test; UBSan only warns by default.
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

rm -f "$testlog" # a stale log must not be counted if meson test dies early
status=0
meson test -C "$builddir" --print-errorlogs "$@" || status=$?

# Count meson's per-test results (a TAP test counts once, whatever its plan).
python3 - "$testlog" "$status" <<'PY'
import json, os, sys
log, status = sys.argv[1], int(sys.argv[2])
counts = {"OK": 0, "FAIL": 0, "TIMEOUT": 0, "ERROR": 0, "UNEXPECTEDPASS": 0, "SKIP": 0, "EXPECTEDFAIL": 0}
if os.path.exists(log):
    with open(log) as f:
        for line in f:
            if line.strip():
                result = json.loads(line)["result"]
                counts[result] = counts.get(result, 0) + 1
passed = counts["OK"]
failed = sum(counts[k] for k in ("FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS"))
if status != 0 and failed == 0:
    failed = 1  # meson test itself failed (no test found, bad option, ...)
line = f"{passed} passed, {failed} failed"
if counts["SKIP"]:
    line += f", {counts['SKIP']} skipped"
print(line)
PY
exit "$status"
