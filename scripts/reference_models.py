#!/usr/bin/env python3
"""The PyTorch reference modules of imgcls's models (the seeds' classes), and a loader for
`imgcls export RUN_DIR --format state_dict --out FILE`.

Every module here registers its layers under the names imgcls uses, so the exported
state_dict loads with strict=True and gives the same logits as imgcls (within float
rounding). The seeds' own classes differ only where noted:
  - Cifar100_CNN (seed 001) starts its `seq` with a Normalize layer; imgcls normalises in the
    data pipeline (the `normalize` transform), so here `seq` starts at the first conv.
  - The baseline CNN of seeds 000/002 is a bare nn.Sequential; here it is split into
    `features` and `classifier` like seed 004's CNNs, and the flatten size follows the input.
  - A `model.name: torchscript` run exports torchvision's layout (conv1..layer4, fc), so
    torchvision.models.resnet18(num_classes=K) loads it (the seeds' new `fc`).

Use, with the project's Python (the one with torch; the system python3 has none):
  PY=~/.cache/imgcls/venv-torch2.11.0/bin/python         # or $IMGCLS_VENV/bin/python
  $PY scripts/reference_models.py describe FILE        # rebuild, load, print the module
  $PY scripts/reference_models.py compare FILE IO.pt   # logits vs imgcls's (IO.pt: input, logits)
  $PY scripts/reference_models.py counts               # the parameter counts tests/models/ hold

  from reference_models import load
  model, meta = load("model.pt")       # meta: FILE.json (input shape, classes, normalize)
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_resnet import TinyBackbone  # noqa: E402  (the test backbone, one definition)


def _flat_size(features, input_shape):
    with torch.no_grad():
        return features(torch.zeros(1, *input_shape)).numel()


def _activation(name):
    return {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[name]()


class MLP(nn.Module):
    """Seed 004's SimpleMLP / MediumMLP / DeepMLP: hidden sizes, activation and dropout configurable."""

    def __init__(self, input_shape, num_classes, hidden, activation="relu", dropout=0.0):
        super().__init__()
        self.flatten = nn.Flatten()
        layers, width = [], input_shape[0] * input_shape[1] * input_shape[2]
        for h in hidden:
            layers += [nn.Linear(width, h), _activation(activation)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, num_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(self.flatten(x))


class FeaturesClassifier(nn.Module):
    def forward(self, x):
        return self.classifier(self.features(x))


def conv3x3(cin, cout):
    return nn.Conv2d(cin, cout, kernel_size=3, padding=1)


class BasicCNN(FeaturesClassifier):
    """Seed 004's BasicCNN."""

    def __init__(self, input_shape, num_classes):
        super().__init__()
        self.features = nn.Sequential(conv3x3(input_shape[0], 16), nn.ReLU(), nn.MaxPool2d(2),
                                      conv3x3(16, 32), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(_flat_size(self.features, input_shape), 128),
                                        nn.ReLU(), nn.Linear(128, num_classes))


class ComplexCNN(FeaturesClassifier):
    """Seed 004's ComplexCNN, and its CIFAR10CNN (the same stack on 3x32x32)."""

    def __init__(self, input_shape, num_classes):
        super().__init__()
        self.features = nn.Sequential(conv3x3(input_shape[0], 32), nn.ReLU(), conv3x3(32, 32), nn.ReLU(),
                                      nn.MaxPool2d(2), conv3x3(32, 64), nn.ReLU(), conv3x3(64, 64), nn.ReLU(),
                                      nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(_flat_size(self.features, input_shape), 256),
                                        nn.ReLU(), nn.Linear(256, num_classes))


class BaselineCNN(FeaturesClassifier):
    """Seeds 000/002's six-convolution baseline."""

    def __init__(self, input_shape, num_classes):
        super().__init__()
        self.features = nn.Sequential(conv3x3(input_shape[0], 32), nn.ReLU(), conv3x3(32, 64), nn.ReLU(),
                                      nn.MaxPool2d(2), conv3x3(64, 128), nn.ReLU(), conv3x3(128, 128), nn.ReLU(),
                                      nn.MaxPool2d(2), conv3x3(128, 256), nn.ReLU(), conv3x3(256, 256), nn.ReLU(),
                                      nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(_flat_size(self.features, input_shape), 1024),
                                        nn.ReLU(), nn.Linear(1024, 512), nn.ReLU(), nn.Linear(512, num_classes))


class Cifar100CNN(nn.Module):
    """Seed 001's Cifar100_CNN with its three down-sampling tactics (stride, max, avg)."""

    def __init__(self, input_shape, num_classes, hidden_size=32, pooling="avg"):
        super().__init__()
        layers = [nn.Conv2d(input_shape[0], hidden_size, 5, stride=4, padding=2), nn.ReLU()]
        if pooling == "stride":
            layers += [nn.Conv2d(hidden_size, hidden_size * 2, 3, stride=2, padding=1), nn.ReLU()]
        else:
            layers += [nn.Conv2d(hidden_size, hidden_size * 2, 3, stride=1, padding=1), nn.ReLU(),
                       nn.AdaptiveMaxPool2d(2) if pooling == "max" else nn.AdaptiveAvgPool2d(2)]
        layers.append(nn.Flatten())
        flat = _flat_size(nn.Sequential(*layers), input_shape)
        self.seq = nn.Sequential(*layers, nn.Linear(flat, num_classes))

    def forward(self, x):
        return self.seq(x)


class ResidualBlock(nn.Module):
    """Seed 000's ResidualBlock."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = conv3x3(channels, channels)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = conv3x3(channels, channels)
        self.bn2 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + x)


class VggCNN(nn.Module):
    """imgcls's vgg_cnn: per width, `blocks` x (conv3x3, BatchNorm, ReLU), max-pool; FC `hidden`."""

    def __init__(self, input_shape, num_classes, widths, blocks, hidden, dropout=0.0):
        super().__init__()
        layers, channels = [], input_shape[0]
        for width in widths:
            for _ in range(blocks):
                layers += [nn.Conv2d(channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(inplace=True)]
                channels = width
            layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        size = _flat_size(self.features, input_shape)
        head = [nn.Flatten()]
        for h in hidden:
            head += ([nn.Dropout(dropout)] if dropout > 0 else []) + [nn.Linear(size, h), nn.ReLU(inplace=True)]
            size = h
        head += ([nn.Dropout(dropout)] if dropout > 0 else []) + [nn.Linear(size, num_classes)]
        self.classifier = nn.Sequential(*head)

    def forward(self, x):
        return self.classifier(self.features(x))


class EnhancedCNN(FeaturesClassifier):
    """Seed 000's EnhancedCNN; widths, blocks per stage and stem width configurable."""

    def __init__(self, input_shape, num_classes, widths=(128, 256, 512), blocks=2, stem_channels=64):
        super().__init__()
        layers = [nn.Conv2d(input_shape[0], stem_channels, 7, stride=2, padding=3), nn.BatchNorm2d(stem_channels),
                  nn.ReLU(inplace=True), nn.MaxPool2d(3, stride=2, padding=1)]
        channels = stem_channels
        for s, w in enumerate(widths):
            layers += [conv3x3(channels, w), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
            layers += [ResidualBlock(w) for _ in range(blocks)]
            if s + 1 < len(widths):
                layers.append(nn.MaxPool2d(2, stride=2))
            channels = w
        layers.append(nn.AdaptiveAvgPool2d(4))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(channels * 16, 1024),
                                        nn.ReLU(inplace=True), nn.Dropout(0.3), nn.Linear(1024, num_classes))


class TinyClassifier(TinyBackbone):
    """export_resnet.py's test backbone with the new head, named like torchvision's `fc`."""

    def __init__(self, in_channels, num_classes):
        super().__init__(in_channels)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x):
        return self.fc(super().forward(x))


def torchvision_classifier(backbone, num_classes):
    """The seeds' transfer learning model: a torchvision ResNet with a new fc."""
    arch, in_channels = backbone["arch"], backbone.get("in_channels", 3)
    if arch == "tiny":
        return TinyClassifier(in_channels, num_classes)
    import torchvision
    if not arch.startswith("resnet") or not hasattr(torchvision.models, arch):
        raise SystemExit(f"reference_models: cannot rebuild a '{arch or 'unknown'}' backbone in Python "
                         "(only export_resnet.py's resnet18/34/50 and tiny)")
    model = getattr(torchvision.models, arch)(weights=None, num_classes=num_classes)
    if in_channels != 3:
        model.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return model


def build(meta):
    """The reference module for FILE.json's description, with fresh weights."""
    m, shape, k = meta["model"], tuple(meta["input"]), meta["num_classes"]
    name = m["name"]
    if name == "mlp":
        return MLP(shape, k, m["hidden"], m["activation"], m["dropout"])
    if name == "basic_cnn":
        return BasicCNN(shape, k)
    if name in ("complex_cnn", "cifar10_cnn"):
        return ComplexCNN(shape, k)
    if name == "baseline_cnn":
        return BaselineCNN(shape, k)
    if name == "cifar_cnn":
        return Cifar100CNN(shape, k, m["hidden_size"], m["pooling"])
    if name == "residual_cnn":
        return EnhancedCNN(shape, k, m["widths"], m["blocks"], m["stem_channels"])
    if name == "vgg_cnn":
        return VggCNN(shape, k, m["widths"], m["blocks"], m["hidden"], m["dropout"])
    if name == "torchscript":
        return torchvision_classifier(m["backbone"], k)
    raise SystemExit(f"reference_models: unknown model.name '{name}'")


def load(path):
    """(module in eval mode with the exported weights, FILE.json's description)."""
    meta_path = path + ".json"
    if not os.path.exists(meta_path):
        raise SystemExit(f"reference_models: {meta_path} is missing (imgcls export writes it next to the weights)")
    with open(meta_path) as f:
        meta = json.load(f)
    model = build(meta)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True), strict=True)
    return model.eval(), meta


# imgcls's model.* defaults (include/imgcls/config/config.hpp), for `counts`.
MODEL_DEFAULTS = {"hidden": [256], "activation": "relu", "dropout": 0.0, "hidden_size": 32, "pooling": "avg",
                  "widths": [128, 256, 512], "blocks": 2, "stem_channels": 64}

# (model.* keys, input C x H x W, classes): the cases of tests/models/test_models.cpp and
# test_basic_cnn.cpp, whose expected counts are what `counts` prints.
COUNT_CASES = [
    ({"name": "basic_cnn"}, (1, 28, 28), 10),
    ({"name": "complex_cnn"}, (1, 28, 28), 10),
    ({"name": "cifar10_cnn"}, (3, 32, 32), 10),
    ({"name": "cifar_cnn", "pooling": "avg", "hidden_size": 32}, (3, 32, 32), 3),
    ({"name": "cifar_cnn", "pooling": "max"}, (3, 32, 32), 3),
    ({"name": "cifar_cnn", "pooling": "stride"}, (3, 32, 32), 3),
    ({"name": "residual_cnn"}, (3, 224, 224), 5),
    ({"name": "mlp", "hidden": [1024, 512, 256, 128]}, (1, 28, 28), 10),
    ({"name": "mlp", "hidden": [256]}, (1, 28, 28), 10),
    ({"name": "mlp", "hidden": [512, 256]}, (1, 28, 28), 10),
    ({"name": "vgg_cnn", "widths": [32, 64], "blocks": 1, "hidden": [256], "dropout": 0.3}, (1, 28, 28), 10),
    ({"name": "baseline_cnn"}, (3, 224, 224), 5),
]


def counts():
    """Prints the parameter count of each reference module in COUNT_CASES."""
    for keys, shape, k in COUNT_CASES:
        meta = {"model": {**MODEL_DEFAULTS, **keys}, "input": list(shape), "num_classes": k}
        n = sum(p.numel() for p in build(meta).parameters())
        options = ", ".join(f"{key}: {value}" for key, value in keys.items())
        print(f"{{{options}}} on {'x'.join(map(str, shape))}, {k} classes: {n}")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("describe", help="rebuild the module, load the weights and print it")
    d.add_argument("file")
    c = sub.add_parser("compare", help="logits of the reference module vs those imgcls computed")
    c.add_argument("file")
    c.add_argument("io", help="a torch.load-able dict with 'input' (N x C x H x W) and imgcls's 'logits'")
    c.add_argument("--atol", type=float, default=1e-4)
    sub.add_parser("counts", help="parameter counts of the reference modules for the tests' model configs")
    args = p.parse_args()
    if args.command == "counts":
        return counts()

    model, meta = load(args.file)
    if args.command == "describe":
        print(model)
        print(f"{sum(p.numel() for p in model.parameters()):,} parameters; input {meta['input']}, "
              f"{meta['num_classes']} classes; normalize {meta['normalize']}")
        return 0
    io = torch.load(args.io, map_location="cpu", weights_only=True)
    with torch.no_grad():
        logits = model(io["input"])
    diff = (logits - io["logits"]).abs().max().item()
    ok = logits.shape == io["logits"].shape and diff <= args.atol
    print(f"{meta['model']['name']}: max |logit difference| = {diff:.3g} over {tuple(logits.shape)} "
          f"({'ok' if ok else 'MISMATCH'}, tolerance {args.atol:g})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
