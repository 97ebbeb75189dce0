#!/usr/bin/env bash
# Configures and builds imgcls into build/ (or $IMGCLS_BUILD_DIR). Configures the first time,
# and again whenever BUILD_TYPE or IMGCLS_TESTS asks for something else than the build folder
# was configured with (read from its CMakeCache.txt), so `quickstart.sh` (tests off) then
# `test.sh` (tests on) builds and runs the tests. Unset, each keeps the folder's setting.
#   BUILD_TYPE   Release (default for a new folder) | Debug | RelWithDebInfo
#   IMGCLS_TESTS ON (default for a new folder) | OFF
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${IMGCLS_BUILD_DIR:-$root/build}"
jobs="${IMGCLS_JOBS:-$(nproc)}"
# ccache: paths relative to the checkout, so a fresh clone elsewhere reuses the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/imgcls/ccache}"

# CMake's booleans as ON/OFF, so "1", "on" and "TRUE" compare equal.
on_off() { case "${1^^}" in ON | 1 | TRUE | YES | Y) echo ON ;; *) echo OFF ;; esac; }
# A value from the build folder's cache ("" when it has none).
cached() { sed -n "s/^$1:[A-Z]*=//p;T;q" "$build/CMakeCache.txt" 2>/dev/null || true; }
build_type="${BUILD_TYPE:-$(cached CMAKE_BUILD_TYPE)}"
build_type="${build_type:-Release}"
tests="${IMGCLS_TESTS:-$(cached IMGCLS_BUILD_TESTS)}"
tests="$(on_off "${tests:-ON}")"

args=(-S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" -DIMGCLS_BUILD_TESTS="$tests")
[[ -n "${Torch_DIR:-}" ]] && args+=(-DTorch_DIR="$Torch_DIR")
reason=""
if [[ ! -f "$build/build.ninja" ]]; then
  reason="configuring $build"
elif [[ "$(on_off "$(cached IMGCLS_BUILD_TESTS)")" != "$tests" ]]; then
  reason="reconfiguring $build: IMGCLS_BUILD_TESTS $(cached IMGCLS_BUILD_TESTS) -> $tests"
elif [[ "$(cached CMAKE_BUILD_TYPE)" != "$build_type" ]]; then
  reason="reconfiguring $build: CMAKE_BUILD_TYPE $(cached CMAKE_BUILD_TYPE) -> $build_type"
fi
if [[ -n "$reason" ]]; then
  echo "[build] $reason"
  mkdir -p "$build"
  cmake "${args[@]}" >"$build/configure.log" 2>&1 || { cat "$build/configure.log" >&2; exit 1; }
fi
echo "[build] building ($jobs jobs)"
cmake --build "$build" -j "$jobs"
