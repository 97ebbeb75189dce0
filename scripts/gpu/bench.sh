#!/usr/bin/env bash
# Run ON the lent GPU machine, after scripts/gpu/build.sh, from the repository root: the GPU
# measurements of docs/BENCHMARKS.md, each imgcls figure with PyTorch's beside it from the
# same run. Prints everything; copies the Fashion-MNIST run's files to $OUT when set.
#
#   1. Fashion-MNIST time to accuracy: `imgcls train configs/fashion_mnist_gpu.yaml` on the
#      carried .gpu-data/fashion-mnist, wall seconds from process start to exit, and the test
#      accuracy from summary.json (goal: >= 0.94 in <= 10 s).
#   2. ResNet-50, 224x224, bf16, channels_last, synthetic input, batch 256: `imgcls bench
#      step` vs PyTorch's loop (scripts/gpu/resnet50_pytorch.py), alternating, 3 rounds each.
#   3. The CPU benchmark's cases on cuda are not repeated here (their data is not carried).
#
#   IMGCLS_BUILD_DIR  (default build-gpu)   IMGCLS_GPU_VENV (default /opt/torch/.venv)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
build="${IMGCLS_BUILD_DIR:-$root/build-gpu}"
py="${IMGCLS_GPU_VENV:-/opt/torch/.venv}/bin/python"
bin="$build/imgcls"
[ -x "$bin" ] || { echo "bench.sh: $bin is missing: run scripts/gpu/build.sh first" >&2; exit 2; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

echo "=== 1. Fashion-MNIST, configs/fashion_mnist_gpu.yaml"
data="$root/.gpu-data/fashion-mnist"
if [ -d "$data" ]; then
  run="$build/fm-gpu-run"
  rm -rf "$run"
  start=$(date +%s.%N)
  "$bin" train configs/fashion_mnist_gpu.yaml data.root="$data" --out "$run"
  end=$(date +%s.%N)
  echo "wall seconds, process start to exit: $(echo "$end - $start" | bc)"
  "$py" -c "import json;s=json.load(open('$run/summary.json'));print('test_acc', s['test_acc'], 'total_seconds', s['total_seconds'])"
  if [ -n "${OUT:-}" ]; then cp "$run/metrics.csv" "$run/summary.json" "$run/train.log" "$OUT/" 2>/dev/null || true; fi
else
  echo "skipped: .gpu-data/fashion-mnist was not carried"
fi

echo "=== 2. ResNet-50 step, bf16, channels_last, batch 256: imgcls vs PyTorch"
"$py" scripts/export_resnet.py --arch resnet50 --out "$build/resnet50.pt" >/dev/null
for round in 1 2 3; do
  a=$("$bin" bench step scripts/gpu/resnet50_step.yaml model.path="$build/resnet50.pt" --batches 50 | awk '/images_per_second/ {print $2}')
  b=$("$py" scripts/gpu/resnet50_pytorch.py --steps 50 | awk '/images_per_second/ {print $2}')
  echo "round $round: imgcls $a img/s, pytorch $b img/s"
done
