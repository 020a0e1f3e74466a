#!/usr/bin/env bash
# test.sh - install what is missing, build, and run the whole suite twice: the
# normal build (with the browser test) and the ASan+UBSan build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
scripts/build.sh
scripts/build.sh --asan
status=0
echo "== test suite (build/) =="
ctest --test-dir build --output-on-failure -j2 || status=1
echo "== test suite under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/) =="
# The browser test exercises the page, not the C code, the short fuzz run has
# its own sanitizer build, and the docs and packaging checks reach no code the
# other black-box tests do not: they run once (above).
ctest --test-dir build-asan --output-on-failure -j2 -LE 'browser|fuzz|packaging' || status=1
exit $status
