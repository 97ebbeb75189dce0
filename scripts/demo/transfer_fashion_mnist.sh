#!/usr/bin/env bash
# Transfer learning on real data, end to end (docs/TRANSFER.md): a resnet18 backbone trained
# on Fashion-MNIST classes 0-4 is exported as TorchScript, frozen, and given a new head for
# classes 5-9 from a small training set; compared with the same architecture from random
# weights trained fully (and frozen), same data, same budget.
#
#   scripts/demo/transfer_fashion_mnist.sh [WORK_DIR]     (about 6 minutes on 2 CPU cores)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-/tmp/imgcls-transfer}"
imgcls="${IMGCLS:-$here/build/imgcls}"
py="${IMGCLS_PYTHON:-$HOME/.cache/imgcls/venv-torch2.11.0/bin/python}"
mkdir -p "$work"
cd "$work"
rm -rf pre head_pretrained scratch head_random

"$py" "$here/scripts/export_resnet.py" --arch resnet18 --in-channels 1 --out random.pt
cat > base.yaml <<YAML
seed: 1
device: cpu
data: {dataset: fashion_mnist, val_split: 0.1}
model: {name: torchscript, path: random.pt}
optimizer: {name: adam, lr: 0.001}
YAML
# 1. The source task: classes 0-4 (tops, trousers, pullovers, dresses, coats), all layers.
"$imgcls" train base.yaml "data.classes=[0,1,2,3,4]" data.limit=12000 train.epochs=2 scheduler.name=cosine --out pre --quiet
"$imgcls" export pre --torchscript fm04.pt
# 2. The target task: classes 5-9 (sandals, shirts, sneakers, bags, boots), 1,000 training
#    images, 3 epochs, batch 32, each way.
target=("data.classes=[5,6,7,8,9]" data.limit=1200 data.val_split=200 data.batch_size=32 train.epochs=3)
"$imgcls" train base.yaml "${target[@]}" model.path=fm04.pt model.freeze_backbone=true --out head_pretrained --quiet
"$imgcls" train base.yaml "${target[@]}" model.path=random.pt model.freeze_backbone=false --out scratch --quiet
"$imgcls" train base.yaml "${target[@]}" model.path=random.pt model.freeze_backbone=true --out head_random --quiet
for run in head_pretrained scratch head_random; do
  echo "== $run"
  cat "$run/metrics.csv"
  "$py" -c "import json,sys; s=json.load(open('$run/summary.json')); print('test_acc', s['test_acc'], 'seconds', round(s['total_seconds'],1))"
done
