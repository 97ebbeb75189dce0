#!/usr/bin/env bash
# Builds the tests with AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer comes with
# ASan) in build-sanitize/ and runs them; exits non-zero on any finding or failing test.
#   scripts/sanitize.sh [GTEST_FILTER]       the torch-free tests (imgcls_base_tests: config,
#                                            sweep file, transforms, IDX, files, signals): minutes
#   IMGCLS_SANITIZE_ALL=1 scripts/sanitize.sh [GTEST_FILTER]
#                                            the whole suite (imgcls_tests, LibTorch part included):
#                                            as one gtest shard per job: a cold build of
#                                            about 35 minutes on 2 cores, then 8 minutes
# LibTorch itself is not instrumented (the wheel is a plain build): ASan sees its heap, UBSan
# and coverage only our code. LeakSanitizer runs on the torch-free tests only: LibTorch keeps
# process-lifetime allocations (its op registry, thread pools) that it reports as leaks.
#   IMGCLS_SANITIZE_DIR  build folder (default build-sanitize); IMGCLS_JOBS build jobs and shards
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${IMGCLS_SANITIZE_DIR:-$root/build-sanitize}"
jobs="${IMGCLS_JOBS:-$(nproc)}"
filter="${1:-*}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/imgcls/ccache}"
all="${IMGCLS_SANITIZE_ALL:-0}"

if [[ ! -f "$build/build.ninja" ]]; then
  echo "[sanitize] configuring $build"
  mkdir -p "$build"
  # -O1 -g: readable reports at a bearable speed. No precompiled header: the sanitizer flags
  # change it anyway, and the torch-free targets do not use it.
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g" \
    -DIMGCLS_SANITIZE=address,undefined -DIMGCLS_BUILD_TESTS=ON -DIMGCLS_USE_PCH=OFF >"$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; exit 1; }
fi
targets=(imgcls_base_tests)
[[ "$all" == 1 ]] && targets=(imgcls imgcls_tests)
echo "[sanitize] building ${targets[*]} ($jobs jobs)"
# The build runs the sanitized test binary to list its tests (gtest_discover_tests): LibTorch's
# process-lifetime allocations must not fail that listing as leaks.
leaks=1
[[ "$all" == 1 ]] && leaks=0
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=$leaks}" cmake --build "$build" -j "$jobs" --target "${targets[@]}"

# Every report, from the test binary or from an imgcls process a CLI test starts, also goes to a
# file in $reports: a test that expects a failing exit code cannot hide one.
reports="$build/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan}"
cd "$build"
failed=0
if [[ "$all" == 1 ]]; then
  # The imgcls binary the CLI tests run is sanitized too; its leaks are LibTorch's (see above).
  # One gtest shard per job, each with its own log; any shard failing fails the run.
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:log_path=$reports/asan}"
  pids=()
  for ((i = 0; i < jobs; i++)); do
    GTEST_TOTAL_SHARDS=$jobs GTEST_SHARD_INDEX=$i \
      tests/imgcls_tests --gtest_filter="$filter" --gtest_brief=1 >"shard-$i.log" 2>&1 &
    pids+=($!)
  done
  for ((i = 0; i < jobs; i++)); do
    wait "${pids[$i]}" || failed=1
    echo "[sanitize] shard $i of $jobs:"
    cat "shard-$i.log"
  done
else
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:log_path=$reports/asan}" \
    tests/imgcls_base_tests --gtest_filter="$filter" --gtest_brief=1 || failed=1
fi
for f in "$reports"/*; do
  [[ -e "$f" ]] || continue
  echo "[sanitize] report $f:"
  cat "$f"
  failed=1
done
((failed == 0)) || { echo "[sanitize] FAILED: a test failed or a sanitizer reported (above)" >&2; exit 1; }
echo "[sanitize] clean: no ASan, UBSan or LSan report (none in $reports either)"
