#!/usr/bin/env bash
# build.sh - configure and build into build/ (and build-asan/ with --asan).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build; extra=()
if [ "${1:-}" = "--asan" ]; then dir=build-asan; extra=(-DHIRO_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug); fi
cmake -S . -B "$dir" "${extra[@]+"${extra[@]}"}" >/dev/null
cmake --build "$dir" -j "$(nproc)"
