"""Reference outputs of torchvision's augmentation ops, for tests/transforms/test_augment_ops.cpp.

usage: augment_reference.py OUT_DIR

Writes the inputs (three opencv-doc photos cropped to 224x160 RGB, one Fashion-MNIST image, 28x28
grey) and, for each op of torchvision 0.26's RandAugment / TrivialAugmentWide / AutoAugment at
fixed magnitudes (both signs where signed; geometric ops nearest, bilinear and bicubic), torchvision's `_apply_op` output on the PIL image
(the DataLoader path), as PNGs, plus OUT_DIR/cases.tsv: input, space, bin, op, magnitude,
interpolation, output.
"""
import gzip
import os
import sys

import numpy as np
import torch
from PIL import Image
from torchvision.transforms import InterpolationMode, autoaugment

PHOTOS = ["baboon.jpg", "fruits.jpg", "building.jpg"]
PHOTO_DIR = "/usr/share/doc/opencv-doc/examples/data"
FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def inputs(out):
    images = {}
    for name in PHOTOS:
        path = os.path.join(PHOTO_DIR, name)
        if os.path.exists(path):
            img = Image.open(path).convert("RGB")
            w, h = img.size
            img = img.crop(((w - 224) // 2, (h - 160) // 2, (w - 224) // 2 + 224, (h - 160) // 2 + 160))
            images["photo_" + name.split(".")[0]] = img
    if os.path.exists(FASHION):
        with gzip.open(FASHION, "rb") as f:
            data = f.read(16 + 28 * 28 * 2)
        images["fashion0"] = Image.fromarray(np.frombuffer(data[16 + 784:16 + 2 * 784], np.uint8).reshape(28, 28), "L")
    for key, img in images.items():
        img.save(os.path.join(out, key + ".png"))
    return images


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rows = []
    for key, img in inputs(out).items():
        w, h = img.size
        spaces = [
            ("rand_augment", 9, autoaugment.RandAugment()._augmentation_space(31, (h, w))),
            ("trivial_augment_wide", 30, autoaugment.TrivialAugmentWide()._augmentation_space(31)),
            ("auto_augment", 7, autoaugment.AutoAugment()._augmentation_space(10, (h, w))),
        ]
        for space, bin_, ops in spaces:
            for op, (magnitudes, signed) in ops.items():
                if op == "Identity":
                    continue
                if space != "rand_augment" and op not in ("Invert",) and magnitudes.ndim == 0:
                    continue  # magnitude-free ops: once is enough
                mag = float(magnitudes[bin_].item()) if magnitudes.ndim > 0 else 0.0
                interps = ["nearest", "bilinear", "bicubic"] if op in ("ShearX", "ShearY", "Rotate", "TranslateX", "TranslateY") else ["nearest"]
                for sign in ([1.0, -1.0] if signed else [1.0]):
                    for interp in interps:
                        mode = InterpolationMode(interp)
                        res = autoaugment._apply_op(img, op, sign * mag, interpolation=mode, fill=None)
                        name = f"{key}_{space}_{op}_{'neg' if sign < 0 else 'pos'}_{interp}.png"
                        res.save(os.path.join(out, name))
                        rows.append([key + ".png", space, str(bin_), op, repr(sign * mag), interp, name])
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        for r in rows:
            f.write("\t".join(r) + "\n")


if __name__ == "__main__":
    torch.manual_seed(0)
    main()
