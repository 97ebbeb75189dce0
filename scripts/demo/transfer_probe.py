#!/usr/bin/env python3
"""Are Fashion-MNIST-pretrained resnet18 features better than random ones on unseen classes?

The diagnostic behind docs/TRANSFER.md's third experiment, in plain PyTorch so that each arm
is cheap: the same 1-channel resnet18 as `scripts/export_resnet.py --arch resnet18
--in-channels 1` (fc -> identity), Fashion-MNIST normalised as imgcls does (mean 0.2860, std
0.3530). A frozen backbone in eval mode gives fixed features, so a head trained on cached
features is exactly imgcls's `model.freeze_backbone: true` run without augmentation.

For random weights and after each source epoch, on small target training sets (PER images per
class), it prints the 5,000-image target test accuracy of
  - a linear head trained for one epoch (batch --batch) at several learning rates, and
  - a linear probe trained to convergence (100 epochs): the most any frozen head can get;
plus once: the same resnet18 trained from random weights on all layers for one epoch.

  ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/demo/transfer_probe.py   # ~6 min on 2 cores
"""
import argparse
import gzip
import json
import time

import numpy as np
import torch
import torch.nn as nn
import torchvision

p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
p.add_argument("--root", default="/usr/share/datasets/fashion-mnist")
p.add_argument("--source", default="0,1,2,3,4", help="source classes (default: %(default)s)")
p.add_argument("--target", default="5,6,7,8,9", help="target classes (default: %(default)s)")
p.add_argument("--source-per-class", type=int, default=3000)
p.add_argument("--source-epochs", type=int, default=2)
p.add_argument("--per-class", type=int, nargs="+", default=[10, 30, 100], help="target training images per class")
p.add_argument("--head-lrs", type=float, nargs="+", default=[1e-3, 1e-2, 3e-2])
p.add_argument("--batch", type=int, default=8)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)


def idx(name, offset):
    return np.frombuffer(gzip.open(f"{a.root}/{name}").read(), np.uint8, offset=offset)


train_x = idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)
train_y = idx("train-labels-idx1-ubyte.gz", 8)
test_x = idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)
test_y = idx("t10k-labels-idx1-ubyte.gz", 8)


def subset(x, y, classes, per_class, seed):
    """Images of `classes` (per_class of each, 0 = all), labels renumbered 0..k-1."""
    rng = np.random.default_rng(seed)
    ids = (np.concatenate([rng.permutation(np.where(y == c)[0])[:per_class] for c in classes])
           if per_class else np.where(np.isin(y, classes))[0])
    label = {c: i for i, c in enumerate(classes)}
    images = (torch.from_numpy(x[ids].astype(np.float32)) / 255 - 0.2860) / 0.3530
    return images, torch.tensor([label[v] for v in y[ids]])


def resnet18_1ch():
    m = torchvision.models.resnet18(weights=None)
    summed = m.conv1.weight.detach().sum(1, keepdim=True)
    m.conv1 = nn.Conv2d(1, 64, 7, 2, 3, bias=False)
    m.conv1.weight.data.copy_(summed)
    m.fc = nn.Identity()
    return m


def fit(model, params, x, y, epochs, lr, batch, frozen=None):
    opt = torch.optim.Adam(params, lr)
    g = torch.Generator().manual_seed(a.seed)
    for _ in range(epochs):
        model.train()
        if frozen is not None:
            frozen.eval()
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), batch):
            b = perm[i:i + batch]
            loss = nn.functional.cross_entropy(model(x[b]), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()


@torch.no_grad()
def accuracy(model, x, y):
    model.eval()
    hits = sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item() for i in range(0, len(x), 1000))
    return round(hits / len(x), 4)


@torch.no_grad()
def features(backbone, x):
    backbone.eval()
    return torch.cat([backbone(x[i:i + 500]) for i in range(0, len(x), 500)])


source = [int(c) for c in a.source.split(",")]
target = [int(c) for c in a.target.split(",")]
target_test = subset(test_x, test_y, target, 0, a.seed)
target_train = {n: subset(train_x, train_y, target, n, 7) for n in a.per_class}


def report(tag, backbone):
    test_f = features(backbone, target_test[0])
    for n, (x, y) in target_train.items():
        f = features(backbone, x)
        row = {"per_class": n}
        for lr in a.head_lrs:
            torch.manual_seed(a.seed)
            head = nn.Linear(f.shape[1], len(target))
            fit(head, head.parameters(), f, y, 1, lr, a.batch)
            row[f"head_1ep_lr{lr:g}"] = accuracy(head, test_f, target_test[1])
        torch.manual_seed(a.seed)
        head = nn.Linear(f.shape[1], len(target))
        fit(head, head.parameters(), f, y, 100, 1e-3, a.batch)
        row["probe_converged"] = accuracy(head, test_f, target_test[1])
        print(tag, json.dumps(row), flush=True)


torch.manual_seed(a.seed)
report("random weights", resnet18_1ch())
for n, (x, y) in target_train.items():
    for lr in (1e-3, 3e-3):
        torch.manual_seed(a.seed)
        model = nn.Sequential(resnet18_1ch(), nn.Linear(512, len(target)))
        fit(model, model.parameters(), x, y, 1, lr, a.batch)
        print("scratch, all layers, 1 epoch", json.dumps({"per_class": n, "lr": lr,
                                                          "test_acc": accuracy(model, *target_test)}), flush=True)

torch.manual_seed(a.seed)
backbone = resnet18_1ch()
model = nn.Sequential(backbone, nn.Linear(512, len(source)))
source_train = subset(train_x, train_y, source, a.source_per_class, a.seed)
source_test = subset(test_x, test_y, source, 0, a.seed)
opt = torch.optim.Adam(model.parameters(), 1e-3)
g = torch.Generator().manual_seed(a.seed)
for epoch in range(1, a.source_epochs + 1):
    t = time.time()
    model.train()
    perm = torch.randperm(len(source_train[0]), generator=g)
    for i in range(0, len(perm), 64):
        b = perm[i:i + 64]
        loss = nn.functional.cross_entropy(model(source_train[0][b]), source_train[1][b])
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"source classes {source}, epoch {epoch}: test acc {accuracy(model, *source_test)} "
          f"({time.time() - t:.0f} s)", flush=True)
    report(f"pretrained, source epoch {epoch}", backbone)
