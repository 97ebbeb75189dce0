#!/usr/bin/env bash
# What model.sync_batchnorm costs (docs/BENCHMARKS.md, "Data-parallel training"): vgg_cnn
# [32, 64] (two BatchNorm layers) on Fashion-MNIST, 2 ranks x 1 thread under torchrun, global
# batch 256, with and without synchronised BatchNorm, alternating, 3 rounds; prints
# `case round img/s` (metrics.csv images_per_second, the job's, mean of the epochs) and medians.
# Further arguments are overrides for both settings (e.g. train.amp=none).
#   scripts/dev/syncbn_cost.sh build/imgcls [OVERRIDES...]      (IMGCLS_TORCHRUN: another torchrun)
set -euo pipefail
bin=$(realpath "$1")
shift
torchrun=${IMGCLS_TORCHRUN:-$HOME/.cache/imgcls/venv-torch2.11.0/bin/torchrun}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cat >"$work/bn.yaml" <<YAML
name: syncbn
seed: 1
device: cpu
data: {dataset: fashion_mnist, limit: 12000, val_split: 0.2, workers: 0, batch_size: 128}
model: {name: vgg_cnn, widths: [32, 64], blocks: 1, hidden: [256]}
optimizer: {name: adamw, lr: 0.002}
train: {epochs: 2}
YAML
rate() { awk -F, 'NR>1 {s+=$8; n++} END {printf "%.0f", s/n}' "$1/metrics.csv"; }
for round in 1 2 3; do
  for sync in false true; do
    OMP_NUM_THREADS=1 "$torchrun" --standalone --nproc-per-node 2 --no-python \
      "$bin" train "$work/bn.yaml" threads=1 model.sync_batchnorm=$sync "$@" --out "$work/$sync-$round" -q >/dev/null 2>&1
    echo "sync_$sync $round $(rate "$work/$sync-$round")"
  done
done | tee "$work/all.txt"
for c in sync_false sync_true; do
  echo "median $c $(awk -v c=$c '$1==c {print $3}' "$work/all.txt" | sort -n | sed -n 2p)"
done
