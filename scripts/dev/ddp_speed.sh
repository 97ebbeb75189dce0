#!/usr/bin/env bash
# Data-parallel speed on one machine (docs/BENCHMARKS.md, "Data-parallel training"): BasicCNN
# on Fashion-MNIST at a global batch of 64, 1 process x 2 threads (data.batch_size=64) against
# 2 ranks x 1 thread (torchrun, data.batch_size=32), alternating, 3 rounds; prints
# `case round img/s` (metrics.csv images_per_second, the job's, mean of the epochs) and medians.
#   scripts/dev/ddp_speed.sh build/imgcls [TORCHRUN]
set -euo pipefail
bin=$(realpath "$1")
torchrun=${2:-$HOME/.cache/imgcls/venv-torch2.11.0/bin/torchrun}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cat >"$work/cnn.yaml" <<YAML
name: ddp_cnn
seed: 1
device: cpu
data: {dataset: fashion_mnist, limit: 8000, val_split: 0.2, workers: 0}
model: {name: basic_cnn}
optimizer: {name: adam, lr: 0.001}
train: {epochs: 2}
YAML
rate() { awk -F, 'NR>1 {s+=$8; n++} END {printf "%.0f", s/n}' "$1/metrics.csv"; }
for round in 1 2 3; do
  "$bin" train "$work/cnn.yaml" threads=2 data.batch_size=64 --out "$work/one-$round" -q
  echo "1x2 $round $(rate "$work/one-$round")"
  OMP_NUM_THREADS=1 "$torchrun" --standalone --nproc-per-node 2 --no-python \
    "$bin" train "$work/cnn.yaml" threads=1 data.batch_size=32 --out "$work/two-$round" -q >/dev/null 2>&1
  echo "2x1 $round $(rate "$work/two-$round")"
done | tee "$work/all.txt"
for c in 1x2 2x1; do
  echo "median $c $(awk -v c=$c '$1==c {print $3}' "$work/all.txt" | sort -n | sed -n 2p)"
done
