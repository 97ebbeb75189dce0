#!/usr/bin/env bash
# Installs what is missing, builds Release into build/, trains configs/fashion_mnist.yaml on
# the real Fashion-MNIST and prints where the results are. Extra arguments go to
# `imgcls train` (e.g. train.epochs=1).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
# A first build leaves the tests out (faster); a configured build folder keeps its setting.
[[ -z "${IMGCLS_TESTS:-}" && ! -f "${IMGCLS_BUILD_DIR:-$root/build}/CMakeCache.txt" ]] && export IMGCLS_TESTS=OFF
"$root/scripts/build.sh"
cd "$root"
out="runs/quickstart-$(date +%Y%m%d-%H%M%S)"
./build/imgcls train configs/fashion_mnist.yaml --out "$out" "$@"
echo
echo "Results are in $root/$out:"
echo "  config.yaml   the resolved config       metrics.csv  one row per epoch"
echo "  summary.json  best/test accuracy        train.log    what the console showed"
echo "  checkpoints/  last.pt and best.pt"
