"""torchvision's resizing of PIL images, for tests/transforms/test_pil_resample.cpp.

    python torchvision_resize.py JOBS_FILE

Each line of JOBS_FILE: `IN.png OUT.png resize SIZE... INTERPOLATION` (transforms.Resize with
SIZE: one number, the shorter side, or H W) or `IN.png OUT.png resized_crop TOP LEFT H W OUT_H
OUT_W INTERPOLATION` (functional.resized_crop, RandomResizedCrop's resize). IN.png is opened as
PIL opens it (mode L or RGB); OUT.png is written losslessly.
"""
import sys

from PIL import Image
from torchvision import transforms
from torchvision.transforms import InterpolationMode
from torchvision.transforms import functional as F


def main(jobs_file):
    with open(jobs_file) as jobs:
        for line in jobs:
            parts = line.split()
            if not parts:
                continue
            src, dst, op, args, mode = parts[0], parts[1], parts[2], [int(a) for a in parts[3:-1]], parts[-1]
            interpolation = InterpolationMode[mode.upper()]
            img = Image.open(src)
            img.load()
            if op == "resize":
                size = args[0] if len(args) == 1 else args
                out = transforms.Resize(size, interpolation=interpolation)(img)
            elif op == "resized_crop":
                top, left, h, w, out_h, out_w = args
                out = F.resized_crop(img, top, left, h, w, [out_h, out_w], interpolation=interpolation)
            else:
                raise SystemExit(f"{jobs_file}: unknown operation {op!r} in: {line.strip()}")
            out.save(dst)


if __name__ == "__main__":
    main(sys.argv[1])
