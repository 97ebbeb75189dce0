#!/usr/bin/env bash
# What optimizer.fused buys (docs/BENCHMARKS.md, "Fused Adam"): `imgcls bench step` (forward,
# backward and optimizer step on synthetic input of each config's shape) with Adam fused and
# per-tensor, alternating, ROUNDS rounds, in fp32 and bf16; then the optimizer step alone on
# the same machine in PyTorch (torch.optim.Adam foreach=False vs fused=True) for the scale.
# Prints `case amp fused round img/s` and the medians.
#   scripts/dev/fused_adam_speed.sh build/imgcls [ROUNDS] [THREADS]
set -euo pipefail
bin=$(realpath "$1")
rounds=${2:-3}
threads=${3:-2}
python=${IMGCLS_PYTHON:-$HOME/.cache/imgcls/venv-torch2.11.0/bin/python}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
resize='  train_transforms: [{resize: [64, 64]}]\n  val_transforms: [{resize: [64, 64]}]'
printf "name: r\nseed: 1\ndata:\n  dataset: cifar10\n  batch_size: 32\n$resize\nmodel: {name: residual_cnn}\n" >"$work/residual_cnn.yaml"
printf "name: b\nseed: 1\ndata: {dataset: fashion_mnist, batch_size: 64}\nmodel: {name: basic_cnn}\n" >"$work/basic_cnn.yaml"
printf "name: v\nseed: 1\ndata: {dataset: fashion_mnist, batch_size: 256}\nmodel: {name: vgg_cnn, widths: [32, 64], blocks: 1, hidden: [256]}\n" >"$work/vgg_cnn.yaml"
batches() { case $1 in residual_cnn) echo 8 ;; basic_cnn) echo 60 ;; vgg_cnn) echo 12 ;; esac; }
for round in $(seq "$rounds"); do
  for case in residual_cnn basic_cnn vgg_cnn; do
    for amp in none bf16; do
      for fused in false true; do
        ips=$("$bin" bench step "$work/$case.yaml" threads="$threads" device=cpu train.amp=$amp optimizer.fused=$fused \
          --batches "$(batches $case)" | sed -n 's/^images_per_second: //p')
        echo "$case $amp $fused $round $ips"
      done
    done
  done
done | tee "$work/all.txt"
echo "medians (img/s): case amp per-tensor fused ratio"
for case in residual_cnn basic_cnn vgg_cnn; do
  for amp in none bf16; do
    med() { awk -v c=$case -v a=$amp -v f=$1 '$1==c && $2==a && $3==f {print $5}' "$work/all.txt" | sort -n |
      awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
    a=$(med false); b=$(med true)
    echo "$case $amp $a $b $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2fx", b/a}')"
  done
done
"$python" - "$threads" <<'PY'
import sys, time, statistics, torch, torchvision
torch.set_num_threads(int(sys.argv[1]))
for name, model in [("resnet18 (11.2M parameters)", torchvision.models.resnet18(num_classes=5))]:
    params = list(model.parameters())
    for p in params: p.grad = torch.randn_like(p)
    got = {}
    for r in range(3):
        for mode, kw in [("per-tensor", dict(foreach=False)), ("fused", dict(fused=True))]:
            opt = torch.optim.Adam(params, lr=1e-3, **kw)
            for _ in range(3): opt.step()
            t = time.perf_counter()
            for _ in range(20): opt.step()
            got.setdefault(mode, []).append((time.perf_counter() - t) / 20 * 1e3)
    print(f"PyTorch Adam step alone, {name}: " + ", ".join(f"{m} {statistics.median(v):.2f} ms" for m, v in got.items()))
PY
