#!/usr/bin/env bash
# Training speed of two imgcls binaries, A/B alternating, 3 rounds per case (docs/BENCHMARKS.md,
# "Engine restructure"): an MLP (per-step overhead shows most) and basic_cnn on Fashion-MNIST,
# 2 epochs, 2 threads. Prints `case binary round img/s` (metrics.csv images_per_second, mean of
# the epochs) and the medians.
#   scripts/dev/ab_train_speed.sh OLD/imgcls NEW/imgcls
set -euo pipefail
a=$1 b=$2
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
base="seed: 1
device: cpu
threads: 2
optimizer: {name: adam, lr: 0.001}
train: {epochs: 2}"
printf '%s\nname: ab_mlp\ndata: {dataset: fashion_mnist, limit: 20000, val_split: 0.2, batch_size: 64}\nmodel: {name: mlp, hidden: [512, 256]}\n' "$base" >"$work/mlp.yaml"
printf '%s\nname: ab_cnn\ndata: {dataset: fashion_mnist, limit: 8000, val_split: 0.2, batch_size: 64}\nmodel: {name: basic_cnn}\n' "$base" >"$work/cnn.yaml"
for cfg in mlp cnn; do
  for round in 1 2 3; do
    for which in a b; do
      out="$work/$cfg-$which-$round"
      "${!which}" train "$work/$cfg.yaml" --out "$out" -q
      echo "$cfg $which $round $(awk -F, 'NR>1 {s+=$8; n++} END {printf "%.0f", s/n}' "$out/metrics.csv")"
    done
  done
done | tee "$work/all.txt"
for cfg in mlp cnn; do
  for which in a b; do
    echo "median $cfg $which $(awk -v c=$cfg -v w=$which '$1==c && $2==w {print $4}' "$work/all.txt" | sort -n | sed -n 2p)"
  done
done
