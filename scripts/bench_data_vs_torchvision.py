#!/usr/bin/env python3
"""imgcls's input pipeline vs torchvision's, side by side, on one image folder.

Both run the seeds' flower training pipeline over the same JPEGs with the same number of
workers and batch size:
    Resize((256, 256)) -> RandomCrop(224) -> RandomHorizontalFlip() ->
    ColorJitter(brightness=0.2, contrast=0.2) -> ToTensor() -> Normalize(ImageNet)
imgcls: `imgcls bench data` (OpenCV, worker threads); torchvision: ImageFolder + DataLoader
(PIL, worker processes). Rounds alternate A/B; medians and the ratio are printed.

--rand-augment also measures both sides with RandAugment (num_ops 2, magnitude 9, nearest)
after the flip, in the same rounds: imgcls's `rand_augment` vs torchvision's `RandAugment`,
each beside its own pipeline without it (what the policy costs each).

    ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/make_photo_folder.py /tmp/photos
    ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/bench_data_vs_torchvision.py /tmp/photos --workers 2
(the project's Python, with torch and torchvision: scripts/setup.sh makes it)
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torchvision
from torchvision import transforms as T

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def imgcls_config(root, workers, batch, rand_augment=False):
    augment = "    - rand_augment: {num_ops: 2, magnitude: 9}\n" if rand_augment else ""
    return f"""name: bench-data
data:
  dataset: image_folder
  root: {root}
  val_split: 0
  batch_size: {batch}
  workers: {workers}
  train_transforms:
    - resize: [256, 256]
    - random_crop: 224
    - hflip: 0.5
{augment}    - color_jitter: {{brightness: 0.2, contrast: 0.2}}
    - normalize: {{mean: {MEAN}, std: {STD}}}
  val_transforms:
    - resize: [224, 224]
    - normalize: {{mean: {MEAN}, std: {STD}}}
model: {{name: basic_cnn}}
"""


def run_imgcls(binary, config, batches):
    out = subprocess.run([binary, "bench", "data", config, "--batches", str(batches)], check=True,
                         capture_output=True, text=True).stdout
    return float(re.search(r"images_per_second: ([0-9.]+)", out).group(1))


def run_torchvision(root, workers, batch, batches, rand_augment=False):
    augment = [T.RandAugment(num_ops=2, magnitude=9)] if rand_augment else []
    tf = T.Compose([T.Resize((256, 256)), T.RandomCrop(224), T.RandomHorizontalFlip()] + augment +
                   [T.ColorJitter(brightness=0.2, contrast=0.2), T.ToTensor(), T.Normalize(MEAN, STD)])
    ds = torchvision.datasets.ImageFolder(root, transform=tf)
    loader = torch.utils.data.DataLoader(ds, batch_size=batch, shuffle=True, num_workers=workers)
    warmup, done, images, start = 2, 0, 0, None
    while done < batches + warmup:
        for x, _ in loader:
            done += 1
            if done == warmup:
                start = time.perf_counter()
            elif done > warmup:
                images += x.shape[0]
            if done == batches + warmup:
                break
    return images / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--batches", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rand-augment", action="store_true", help="also with RandAugment, side by side")
    ap.add_argument("--imgcls", default=os.path.join(os.path.dirname(__file__), "..", "build", "imgcls"))
    args = ap.parse_args()

    variants = [False, True] if args.rand_augment else [False]
    results = {(side, v): [] for side in ("imgcls", "torchvision") for v in variants}
    with tempfile.TemporaryDirectory() as tmp:
        configs = {}
        for v in variants:
            configs[v] = os.path.join(tmp, f"bench{int(v)}.yaml")
            with open(configs[v], "w") as f:
                f.write(imgcls_config(os.path.abspath(args.root), args.workers, args.batch, v))
        for r in range(args.rounds):
            line = []
            for v in variants:
                results[("imgcls", v)].append(run_imgcls(args.imgcls, configs[v], args.batches))
                results[("torchvision", v)].append(
                    run_torchvision(args.root, args.workers, args.batch, args.batches, v))
                name = " + rand_augment" if v else ""
                line.append(f"imgcls{name} {results[('imgcls', v)][-1]:.1f} img/s, "
                            f"torchvision{name} {results[('torchvision', v)][-1]:.1f} img/s")
            print(f"round {r + 1}: " + "; ".join(line), flush=True)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, {args.workers} workers, "
          f"batch {args.batch}, {args.batches} batches x {args.rounds} rounds")
    for v in variants:
        ma, mb = statistics.median(results[("imgcls", v)]), statistics.median(results[("torchvision", v)])
        name = " with rand_augment / RandAugment" if v else ""
        print(f"median{name}: imgcls {ma:.1f} img/s, torchvision {mb:.1f} img/s, ratio {ma / mb:.2f}x")
    if args.rand_augment:
        for side in ("imgcls", "torchvision"):
            plain, aug = (statistics.median(results[(side, v)]) for v in (False, True))
            print(f"{side}: RandAugment keeps {aug / plain:.0%} of the throughput without it")


if __name__ == "__main__":
    sys.exit(main())
