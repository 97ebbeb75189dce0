#!/usr/bin/env python3
"""Exports a torchvision ResNet (resnet18/34/50) as a TorchScript backbone for imgcls.

The classifier (fc) is replaced by identity, so the module maps [N, C, H, W] images to
[N, features]. The file carries `imgcls.json` (TorchScript extra file) with the feature size,
the input normalisation the weights expect, the input channels, and where the weights came
from. imgcls sizes its new head from it and warns when the config normalises differently.

Weights: --weights FILE.pth (a state_dict you have), or --download (torchvision's ImageNet
weights; needs the internet), else random initialisation - and the script says which.

  ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/export_resnet.py --arch resnet18 --out resnet18.pt
  ... --in-channels 1    # for grayscale data: conv1's pretrained filters summed over RGB

`--arch tiny` writes a small conv+BatchNorm backbone (a few KB) for tests.
"""
import argparse
import json
import sys

import torch
import torch.nn as nn
import torchvision

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


class TinyBackbone(nn.Module):
    """conv-BN-ReLU x2 + global average pooling: 8 -> 16 features. For tests."""

    def __init__(self, in_channels):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.bn2(self.conv2(x)))
        return torch.flatten(self.pool(x), 1)


def build(args):
    if args.arch == "tiny":
        torch.manual_seed(0)
        return TinyBackbone(args.in_channels), 16, "random (tiny test backbone)", False
    model = getattr(torchvision.models, args.arch)(weights=None)
    source, pretrained = "random initialisation", False
    if args.weights:
        model.load_state_dict(torch.load(args.weights, map_location="cpu"))
        source, pretrained = f"state_dict {args.weights}", True
    elif args.download:
        try:
            enum = torchvision.models.get_model_weights(args.arch).DEFAULT
            model = getattr(torchvision.models, args.arch)(weights=enum)
            source, pretrained = f"torchvision {enum}", True
        except Exception as e:  # no network, no cache
            print(f"export_resnet: could not download ImageNet weights ({e.__class__.__name__}: {e}); "
                  "using random initialisation", file=sys.stderr)
    features = model.fc.in_features
    model.fc = nn.Identity()
    if args.in_channels != 3:
        old = model.conv1
        conv = nn.Conv2d(args.in_channels, old.out_channels, old.kernel_size, old.stride, old.padding, bias=False)
        with torch.no_grad():
            if args.in_channels == 1:
                conv.weight.copy_(old.weight.sum(dim=1, keepdim=True))
        model.conv1 = conv
    return model, features, source, pretrained


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", default="resnet18", choices=["resnet18", "resnet34", "resnet50", "tiny"])
    p.add_argument("--out", required=True)
    p.add_argument("--weights", help="a state_dict .pth for the architecture (with its fc)")
    p.add_argument("--download", action="store_true", help="torchvision's ImageNet weights (needs the internet)")
    p.add_argument("--in-channels", type=int, default=3)
    args = p.parse_args()

    model, features, source, pretrained = build(args)
    model.eval()
    scripted = torch.jit.script(model)
    with torch.no_grad():
        out = scripted(torch.zeros(2, args.in_channels, 64, 64))
    assert out.shape == (2, features), out.shape
    if args.in_channels == 3:
        mean, std = IMAGENET_MEAN, IMAGENET_STD
    else:
        mean, std = [sum(IMAGENET_MEAN) / 3] * args.in_channels, [sum(IMAGENET_STD) / 3] * args.in_channels
    meta = {"arch": args.arch, "feature_size": features, "in_channels": args.in_channels, "mean": mean, "std": std,
            "pretrained": pretrained, "weights": source}
    torch.jit.save(scripted, args.out, _extra_files={"imgcls.json": json.dumps(meta)})
    print(f"export_resnet: wrote {args.out}: {args.arch}, {features} features, weights: {source}")


if __name__ == "__main__":
    main()
