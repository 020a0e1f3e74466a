#!/usr/bin/env bash
# checksrc.sh - the habits of STYLE.md made mechanical (curl's checksrc in
# spirit). Run by the test suite (ctest: lint.checksrc). Prints every
# violation as file:line: rule, exits 1 when there is one.
#
# Rules:
#   proc-path    no "/proc" or "/sys" literal outside src/platform/ (only the
#                platform layer knows the kernel's files)
#   banned       no sprintf, vsprintf, strcpy, strcat, strncpy, atoi, atol,
#                atoll, atof, gets, strtok, tmpnam, mktemp (unbounded or
#                error-blind: use snprintf, hiro_strlcpy, strtol with checks)
#   internal     no #include of another module's *_internal.h
#   sqlite       sqlite3.h only in src/store/ (and src/export/reader.c, the
#                documented read-only exception); microhttpd.h only in src/http/
#   purpose      every source file opens with "/* NAME - purpose" on line 1
#   format       clang-format (the repository's .clang-format) would change
#                nothing: one layout, applied by the tool, not by review
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
report() { echo "$1: $2"; status=1; }

mapfile -t files < <(find src -name '*.c' -o -name '*.h' | sort)

for f in "${files[@]}"; do
  module=$(echo "$f" | cut -d/ -f2)
  base=$(basename "$f")

  head -n 1 "$f" | grep -q "^/\* $base - " || report "$f:1" "purpose: first line must be '/* $base - ...'"

  # Code lines only: drop // comments and lines inside /* */ comment text
  # starting with '*' or '/*' (a cheap but sufficient filter for our style).
  code() { grep -nE "$1" "$f" | grep -vE '^[0-9]+:\s*(\*|/\*|//)'; }

  if [ "$module" != platform ]; then
    while IFS= read -r hit; do
      report "$f:${hit%%:*}" "proc-path: /proc and /sys belong to src/platform/"
    done < <(code '"/(proc|sys)(/|")')
  fi

  while IFS= read -r hit; do
    fn=$(echo "$hit" | grep -oE '\b(sprintf|vsprintf|strcpy|strcat|strncpy|atoi|atoll|atol|atof|gets|strtok|tmpnam|mktemp)\s*\(' | head -n 1 | tr -d ' (')
    report "$f:${hit%%:*}" "banned: $fn"
  done < <(code '(^|[^_a-zA-Z0-9])(sprintf|vsprintf|strcpy|strcat|strncpy|atoi|atoll|atol|atof|gets|strtok|tmpnam|mktemp)\s*\(')

  while IFS= read -r hit; do
    inc=$(echo "$hit" | grep -oE '"[a-z_]+/[a-z_]+_internal\.h"' | tr -d '"')
    [ "${inc%%/*}" = "$module" ] || report "$f:${hit%%:*}" "internal: $inc is private to src/${inc%%/*}/"
  done < <(grep -nE '^#include "[a-z_]+/[a-z_]+_internal\.h"' "$f")

  if grep -qE '^#include <sqlite3\.h>' "$f" && [ "$module" != store ] && [ "$f" != src/export/reader.c ]; then
    report "$f" "sqlite: only src/store/ includes sqlite3.h"
  fi
  if grep -qE '^#include <microhttpd\.h>' "$f" && [ "$module" != http ]; then
    report "$f" "sqlite: only src/http/ includes microhttpd.h"
  fi
done

if command -v clang-format >/dev/null; then
  for f in "${files[@]}"; do
    clang-format --dry-run "$f" 2>&1 | grep -oE '^[^:]+:[0-9]+' | head -n 1 |
      while IFS= read -r at; do echo "$at: format: run clang-format -i $f"; done | grep . && status=1
  done
else
  report "clang-format" "not installed (scripts/deps.sh --test installs it)"
fi

[ $status -eq 0 ] && echo "checksrc: ${#files[@]} files clean"
exit $status
