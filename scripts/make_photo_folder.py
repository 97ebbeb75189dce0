#!/usr/bin/env python3
"""Builds an image folder of real photographs for benchmarks and demos, offline.

The photographs are those Debian's `opencv-doc` package ships
(/usr/share/doc/opencv-doc/examples/data): each is cut into random 320x240 crops (after
scaling so that a crop fits), saved as JPEG (quality 90) into OUT/<class>/, one class per
group of source photographs. Deterministic for a given --seed.

    ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/make_photo_folder.py OUT [--images 1000] [--classes 5]

Needs Pillow (installed with torchvision in the project's environment).
"""
import argparse
import glob
import os
import random
import sys

from PIL import Image

SOURCE = "/usr/share/doc/opencv-doc/examples/data"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--classes", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--source", default=SOURCE)
    args = ap.parse_args()

    photos = []
    for path in sorted(glob.glob(os.path.join(args.source, "**", "*.jpg"), recursive=True)):
        try:
            img = Image.open(path).convert("RGB")
        except OSError:
            continue
        if min(img.size) >= 120:
            photos.append(img)
    if len(photos) < args.classes:
        sys.exit(f"error: found {len(photos)} usable JPEGs in {args.source}; install Debian's opencv-doc package")

    rng = random.Random(args.seed)
    groups = [photos[i::args.classes] for i in range(args.classes)]
    for c in range(args.classes):
        os.makedirs(os.path.join(args.out, f"class_{c}"), exist_ok=True)
    for i in range(args.images):
        c = i % args.classes
        img = rng.choice(groups[c])
        scale = max(320 / img.width, 240 / img.height) * rng.uniform(1.0, 1.6)
        big = img.resize((max(320, round(img.width * scale)), max(240, round(img.height * scale))), Image.BILINEAR)
        x, y = rng.randint(0, big.width - 320), rng.randint(0, big.height - 240)
        crop = big.crop((x, y, x + 320, y + 240))
        crop.save(os.path.join(args.out, f"class_{c}", f"{i:05d}.jpg"), quality=90)
    print(f"{args.images} JPEGs of 320x240 from {len(photos)} photographs in {args.out} ({args.classes} classes)")


if __name__ == "__main__":
    main()
