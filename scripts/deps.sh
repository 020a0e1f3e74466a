#!/usr/bin/env bash
# deps.sh - install what building, running and testing hirocli needs, only when
# it is missing. Debian packages via apt-get; npm packages from package-lock.json.
# Usage: scripts/deps.sh [--test]   (--test adds the test-only packages)
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential cmake pkg-config libsqlite3-dev libmicrohttpd-dev libcjson-dev
      zlib1g-dev sqlite3 nodejs npm python3)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(libcmocka-dev chromium python3-psutil prometheus wrk clang libclang-rt-14-dev clang-format curl)
  # test_install: the .deb (dpkg-shlibdeps), man pages (groff), the logrotate snippet
  pkgs+=(dpkg-dev groff-base logrotate)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from outside Debian (already on PATH): do not fight it.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# echarts (embedded into the binary), esbuild (bundles the custom echarts build
# at configure time) and playwright-core (browser test), pinned.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
