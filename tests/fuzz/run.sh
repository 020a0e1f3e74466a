#!/usr/bin/env bash
# run.sh - build the libFuzzer targets into build-fuzz/ (clang, -DHIRO_FUZZ=ON)
# and run each for a bounded time over its seed corpus and saved regressions,
# printing executions per target. Exits non-zero when a target finds a crash;
# the crashing input is then in build-fuzz/artifacts/<target>/ (copy it to
# tests/fuzz/regressions/<target>/ once fixed, see docs/fuzzing.md).
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]    SECONDS per target (default 20);
#                                              TARGET: history configure config proc statsd
# Environment: HIRO_FUZZ_CLANG (compiler, default clang), HIRO_FUZZ_BUILD
# (build dir, default build-fuzz), HIRO_FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-20}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(history configure config proc statsd); fi
build="${HIRO_FUZZ_BUILD:-$root/build-fuzz}"
clang="${HIRO_FUZZ_CLANG:-clang}"

case "$seconds" in '' | *[!0-9]*) echo "run.sh: SECONDS must be a whole number" >&2; exit 2 ;; esac
command -v "$clang" >/dev/null || { echo "run.sh: $clang not found (apt-get install clang)" >&2; exit 2; }

# Configure and build once at a time: ctest and a person may both run this.
mkdir -p "$build"
(
  flock 9
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="$clang" -DHIRO_FUZZ=ON \
      -DHIRO_BROWSER_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  targets_to_build=()
  for t in "${targets[@]}"; do targets_to_build+=(--target "fuzz_$t"); done
  cmake --build "$build" -j "$(nproc)" "${targets_to_build[@]}" >"$build/fuzz-build.log" 2>&1 ||
    { tail -40 "$build/fuzz-build.log" >&2; exit 1; }
) 9>"$build/.fuzz-build.lock"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
printf '%-10s %12s %10s %8s  %s\n' target executions exec/s corpus result
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/fuzz_$t"
  [ -x "$bin" ] || { echo "run.sh: no target $t ($bin)" >&2; status=1; continue; }
  # New inputs go to the first (scratch) directory; the sources stay untouched.
  work="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  log="$build/fuzz-$t.log"
  mkdir -p "$work" "$artifacts" "$here/regressions/$t"
  result=ok
  # shellcheck disable=SC2086
  "$bin" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" ${HIRO_FUZZ_ARGS:-} \
    "$work" "$here/corpus/$t" "$here/regressions/$t" >"$log" 2>&1 || result=CRASH
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ -z "$execs" ]; then # crashed before the final stats: the last progress line
    execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -1)
  fi
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  units=$(find "$work" -type f | wc -l)
  printf '%-10s %12s %10s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$units" "$result"
  if [ "$result" != ok ]; then
    status=1
    grep -m1 -E 'ERROR|runtime error|SUMMARY' "$log" >&2 || true
    echo "  input: $(ls -t "$artifacts" | head -1 | sed "s|^|$artifacts/|")  log: $log" >&2
  fi
done
exit $status
