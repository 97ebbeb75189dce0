#!/usr/bin/env bash
# Configures (once) and builds imgcls into build/ (or $IMGCLS_BUILD_DIR).
#   BUILD_TYPE   Release (default) | Debug | RelWithDebInfo
#   IMGCLS_TESTS ON (default) | OFF
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${IMGCLS_BUILD_DIR:-$root/build}"
jobs="${IMGCLS_JOBS:-$(nproc)}"
# ccache: paths relative to the checkout, so a fresh clone elsewhere reuses the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/imgcls/ccache}"

args=(-S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}"
      -DIMGCLS_BUILD_TESTS="${IMGCLS_TESTS:-ON}")
[[ -n "${Torch_DIR:-}" ]] && args+=(-DTorch_DIR="$Torch_DIR")
if [[ ! -f "$build/build.ninja" ]]; then
  echo "[build] configuring $build"
  mkdir -p "$build"
  cmake "${args[@]}" >"$build/configure.log" 2>&1 || { cat "$build/configure.log" >&2; exit 1; }
fi
echo "[build] building ($jobs jobs)"
cmake --build "$build" -j "$jobs"
