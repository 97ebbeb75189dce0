#!/usr/bin/env bash
# Builds imgcls's libFuzzer targets (tests/fuzz/) with clang in build-fuzz/ and runs each for
# SECONDS_PER_TARGET (default 60) from its seed corpus (tests/fuzz/corpus/<target>/).
# Prints one line per target:
#   target idx: 123456 runs, 321 edges, 0 crashes
# and exits 1 when a target crashed, leaving the reproducer in build-fuzz/crashes/<target>/
# (replay it with: build-fuzz/tests/fuzz/fuzz_<target> <file>).
#   IMGCLS_FUZZ_TARGETS   targets to build and run (default: all; "config transforms sweep idx"
#                         are the ones without LibTorch, which build in a minute)
#   IMGCLS_FUZZ_DIR       build folder (default build-fuzz)
#   IMGCLS_FUZZ_SEED      libFuzzer's -seed (default: a random one); CI fixes it so that a short
#                         run explores the same inputs each time and a red CI is a reproducible one
#   IMGCLS_JOBS           build jobs (default: all cores)
#   CXX                   the clang to use (default clang++-14, or clang++)
# The corpus a run grows stays in build-fuzz/corpus/<target>/; the repo's seeds are not touched.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]" >&2; exit 2; }
build="${IMGCLS_FUZZ_DIR:-$root/build-fuzz}"
targets=(${IMGCLS_FUZZ_TARGETS:-config transforms sweep idx cifar image checkpoint})
jobs="${IMGCLS_JOBS:-$(nproc)}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/imgcls/ccache}"

cxx="${CXX:-}"
if [[ -z "$cxx" ]]; then
  for c in clang++-14 clang++; do command -v "$c" >/dev/null && { cxx="$c"; break; }; done
fi
[[ -n "$cxx" ]] || { echo "fuzz: no clang++ (scripts/setup.sh installs clang-14 and libfuzzer-14-dev)" >&2; exit 1; }

if [[ ! -f "$build/build.ninja" ]]; then
  echo "[fuzz] configuring $build with $cxx"
  mkdir -p "$build"
  # -O1: the fuzzer wants many runs, the build wants to be quick; ASan + UBSan + coverage
  # come from cmake/Sanitizers.cmake (IMGCLS_FUZZ).
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1" \
    -DCMAKE_CXX_COMPILER="$cxx" -DIMGCLS_FUZZ=ON -DIMGCLS_BUILD_TESTS=OFF >"$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; exit 1; }
fi
echo "[fuzz] building ${targets[*]} ($jobs jobs)"
cmake --build "$build" -j "$jobs" --target "${targets[@]/#/fuzz_}" >"$build/build.log" 2>&1 ||
  { tail -n 40 "$build/build.log" >&2; echo "fuzz: build failed (full log: $build/build.log)" >&2; exit 1; }

status=0
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t" crashes="$build/crashes/$t" log="$build/logs/$t.log"
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
  # -rss_limit_mb: a reader that tries to allocate what a header claims is a finding too.
  # -timeout: one input taking longer is a hang (a finding).
  rc=0
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}" \
    LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$root/tests/fuzz/lsan.supp:print_suppressions=0}" \
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -max_len=65536 \
    ${IMGCLS_FUZZ_SEED:+-seed="$IMGCLS_FUZZ_SEED"} -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" "$root/tests/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  edges="$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)"
  found="$(find "$crashes" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) -newer "$corpus" 2>/dev/null | wc -l)"
  if ((rc != 0)) && ((found == 0)); then found=1; fi
  echo "target $t: ${runs:-0} runs, ${edges:-0} edges, $found crashes"
  if ((found > 0 || rc != 0)); then
    status=1
    echo "  reproducer(s) in $crashes/ (replay: $build/tests/fuzz/fuzz_$t FILE); log: $log" >&2
    grep -m 3 -E 'ERROR: |SUMMARY: |terminate called|what\(\)' "$log" | sed 's/^/  /' >&2 || true
  fi
  touch "$corpus"
done
exit "$status"
