#!/usr/bin/env bash
# docs/IMBALANCE.md's measurement: on a long-tailed Fashion-MNIST (class c keeps
# round(6000 x 0.6^c) training images; the test split untouched), the test accuracy, macro-F1
# and balanced accuracy of one short recipe with neither, each and both of
# train.class_weights: balanced and data.sampler: balanced. Same seed and budget for all four.
#   scripts/bench_imbalance.sh [OUT_DIR] [EPOCHS]     (default /tmp/imgcls-imbalance, 3)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
imgcls="${IMGCLS:-$root/build/imgcls}"
out="${1:-/tmp/imgcls-imbalance}"
epochs="${2:-3}"
mkdir -p "$out"
python3 "$root/scripts/make_long_tail_fashion_mnist.py" --out "$out/data"
common=(device=cpu threads=1 seed=42 "data.root=$out/data" data.val_split=0.1 "train.epochs=$epochs" model.name=mlp
        train.early_stopping.monitor=val_macro_f1)
declare -A variants=(
  [neither]=""
  [class_weights]="train.class_weights=balanced"
  [sampler]="data.sampler=balanced"
  [both]="train.class_weights=balanced data.sampler=balanced"
)
echo "| variant | test accuracy | test macro-F1 | test balanced accuracy | seconds | command |"
echo "|---|---|---|---|---|---|"
for name in neither class_weights sampler both; do
  run="$out/runs/$name"
  rm -rf "$run"
  # shellcheck disable=SC2206
  extra=(${variants[$name]})
  start=$(date +%s)
  "$imgcls" train "$root/configs/fashion_mnist.yaml" "${common[@]}" "${extra[@]}" --quiet --out "$run" >/dev/null
  seconds=$(($(date +%s) - start))
  "$imgcls" eval "$run" --top-losses 0 >/dev/null
  python3 - "$run/eval/test/report.json" "$name" "$seconds" "${variants[$name]}" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {r['accuracy']:.4f} | {r['macro_avg']['f1']:.4f} | {r['balanced_accuracy']:.4f} | "
      f"{sys.argv[3]} | `{sys.argv[4] or '(defaults)'}` |")
EOF
done
