#!/usr/bin/env python3
"""A long-tailed Fashion-MNIST from the real one, as IDX files imgcls reads (data.root).

Class c keeps its first round(6000 * ratio**c) training images, in file order (ratio 0.6:
6000, 3600, 2160, 1296, 778, 467, 280, 168, 101, 60 images; 14910 in all, a 100:1 imbalance);
the t10k test split is copied untouched (1000 per class), so test accuracy, macro-F1 and
balanced accuracy are measured on balanced data. The standard library only; deterministic.

    python3 scripts/make_long_tail_fashion_mnist.py --out /tmp/fm-lt
    imgcls train configs/fashion_mnist.yaml data.root=/tmp/fm-lt ...
"""
import argparse
import gzip
import os
import shutil
import struct

NAMES = ("images-idx3-ubyte", "labels-idx1-ubyte")


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if path.endswith(".gz") else data


def find(root, prefix, name):
    for candidate in (f"{prefix}-{name}.gz", f"{prefix}-{name}"):
        path = os.path.join(root, candidate)
        if os.path.exists(path):
            return path
    raise SystemExit(f"{root}: no {prefix}-{name}[.gz]")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default="/usr/share/datasets/fashion-mnist", help="the real Fashion-MNIST")
    parser.add_argument("--out", required=True, help="folder for the long-tailed IDX files")
    parser.add_argument("--ratio", type=float, default=0.6, help="class c keeps 6000 * ratio**c images")
    parser.add_argument("--per-class", type=int, default=6000)
    args = parser.parse_args()

    images = read(find(args.root, "train", NAMES[0]))
    labels = read(find(args.root, "train", NAMES[1]))
    magic, n, rows, cols = struct.unpack(">IIII", images[:16])
    assert magic == 2051 and struct.unpack(">II", labels[:8]) == (2049, n), "not IDX image/label files"
    size = rows * cols
    keep = [round(args.per_class * args.ratio**c) for c in range(10)]
    taken = [0] * 10
    chosen = []
    for i in range(n):
        c = labels[8 + i]
        if taken[c] < keep[c]:
            taken[c] += 1
            chosen.append(i)
    os.makedirs(args.out, exist_ok=True)
    with gzip.GzipFile(os.path.join(args.out, "train-" + NAMES[0] + ".gz"), "wb", mtime=0) as f:
        f.write(struct.pack(">IIII", 2051, len(chosen), rows, cols))
        f.write(b"".join(images[16 + i * size : 16 + (i + 1) * size] for i in chosen))
    with gzip.GzipFile(os.path.join(args.out, "train-" + NAMES[1] + ".gz"), "wb", mtime=0) as f:
        f.write(struct.pack(">II", 2049, len(chosen)))
        f.write(bytes(labels[8 + i] for i in chosen))
    for name in NAMES:
        source = find(args.root, "t10k", name)
        shutil.copyfile(source, os.path.join(args.out, os.path.basename(source)))
    print(f"{args.out}: train {len(chosen)} images, per class {taken}; t10k copied")


if __name__ == "__main__":
    main()
