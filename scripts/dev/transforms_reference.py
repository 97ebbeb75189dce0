#!/usr/bin/env python3
"""Prints the torchvision values tests/data/test_transforms.cpp holds imgcls's colour jitter
against: ColorJitter(contrast=(c, c)) on a small RGB uint8 image (torchvision blends each
pixel with the mean of the image's grayscale, then clamps to 0..255). Run with the project's
torch:
  ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/dev/transforms_reference.py"""
import torch
import torchvision
from torchvision import transforms as T

# 2 x 3 RGB pixels, row by row (the test's `kPixels`).
PIXELS = [[(10, 200, 30), (250, 250, 250), (0, 0, 0)],
          [(120, 60, 90), (33, 66, 99), (200, 100, 5)]]


def main():
    img = torch.tensor(PIXELS, dtype=torch.uint8).permute(2, 0, 1)  # C x H x W
    gray = (0.2989 * img[0].float() + 0.587 * img[1].float() + 0.114 * img[2].float()).to(torch.uint8)
    print(f"torchvision {torchvision.__version__}; mean of the grayscale image: {gray.float().mean().item():.4f}")
    for c in (0.0, 0.5, 1.7):
        out = T.ColorJitter(contrast=(c, c))(img).permute(1, 2, 0).tolist()
        print(f"contrast {c}: " + ", ".join("{" + ", ".join(map(str, px)) + "}" for row in out for px in row))


if __name__ == "__main__":
    main()
