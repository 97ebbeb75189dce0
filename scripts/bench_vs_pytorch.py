#!/usr/bin/env python3
"""imgcls vs PyTorch's own Python loop, side by side, on the same machine in one run.

Each case trains the same model on the same data with the same batch size, optimizer and
thread count (a) with `imgcls train` and (b) with the training loop of the seed notebook it
comes from, written as the seed writes it (its DataLoader, `loss.item()` per batch), on the
same torch. The sides alternate A/B for --rounds rounds, one epoch each; the figure is
training images/second (training steps only, validation excluded, as imgcls's metrics.csv
reports it). Prints each round, the medians and the ratio imgcls / PyTorch.

Cases (--cases, default all):
  basic_cnn     seed 004's BasicCNN on the real Fashion-MNIST (50k/10k), batch 64, Adam 1e-3;
                torchvision FashionMNIST + ToTensor/Normalize, DataLoader(shuffle=True).
  mlp           seed 004's MediumMLP (784-512-256-10) on the same data and loop.
  cifar_cnn     seed 001's Cifar100_CNN (hidden 32, AvgPool) on CIFAR-shaped data: 20,000
                32x32 RGB images of 100 classes written in CIFAR-100's binary format (imgcls)
                and kept as seed 001's float HWC TensorDataset with one-hot targets (PyTorch);
                batch 128, SGD 5e-3 momentum 0.9.
  residual_cnn  seed 000's EnhancedCNN at 64x64 on a folder of real JPEG photographs
                (scripts/make_photo_folder.py: --photos images of 320x240, 5 classes), batch
                32, Adam 1e-3 weight decay 1e-4; torchvision ImageFolder + Resize((64, 64)) +
                ToTensor + Normalize, DataLoader(num_workers=2, pin_memory=True) as seed 000.

Sides (--sides, default imgcls,pytorch; the first is the one the ratios are of):
  imgcls          imgcls train with train.amp=none train.channels_last=false (fp32, NCHW)
  imgcls_bf16     imgcls train with train.amp=bf16 train.channels_last=false (CPU autocast)
  imgcls_bf16_cl  the same with train.channels_last=true
  pytorch         the seed's loop as written (fp32): what its users run today
  pytorch_bf16    the same loop with forward and loss under torch.autocast("cpu", dtype=torch.bfloat16)
  pytorch_bf16_cl the same, with the model and each batch in channels_last memory format
The issue-21 comparison: --sides imgcls_bf16,imgcls,pytorch,pytorch_bf16.

Run with the project's Python environment (scripts/setup.sh makes it):
  ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/bench_vs_pytorch.py --threads 2
  ... --cases basic_cnn,mlp --rounds 5 --imgcls-args data.device_resident=true
"""
import contextlib
import argparse
import csv
import gzip
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FASHION = "/usr/share/datasets/fashion-mnist"
CIFAR_TRAIN = 20000
CIFAR_CLASSES = 100
CIFAR_MEAN, CIFAR_STD = [0.5074, 0.4867, 0.4411], [0.2011, 0.1987, 0.2025]
IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


# ----------------------------------------------------------------------------- data


def prepare_fashion(tmp):
    """torchvision's FashionMNIST reads the decompressed IDX files from <root>/FashionMNIST/raw."""
    raw = os.path.join(tmp, "FashionMNIST", "raw")
    os.makedirs(raw)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        with gzip.open(os.path.join(FASHION, name + ".gz")) as src, open(os.path.join(raw, name), "wb") as dst:
            shutil.copyfileobj(src, dst)
    return tmp


def prepare_cifar(tmp):
    """Random CIFAR-shaped data: CIFAR-100's binary format for imgcls, arrays for seed 001's loop."""
    import numpy as np
    rng = np.random.default_rng(0)
    root = os.path.join(tmp, "cifar")
    d = os.path.join(root, "cifar-100-binary")
    os.makedirs(d)
    arrays = {}
    for split, n in (("train", CIFAR_TRAIN), ("test", 2000)):
        x = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        fine = rng.integers(0, CIFAR_CLASSES, size=n, dtype=np.uint8)
        rec = np.concatenate([(fine // 5)[:, None], fine[:, None], x], axis=1)
        rec.tofile(os.path.join(d, f"{split}.bin"))
        arrays[split] = (x, fine)
    return root, arrays


def prepare_photos(tmp, count):
    out = os.path.join(tmp, "photos")
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts/make_photo_folder.py"), out, "--images", str(count)],
                   check=True, stdout=subprocess.DEVNULL)
    return out


# ----------------------------------------------------------------------------- imgcls side


def imgcls_config(case, tmp, data):
    """The imgcls config for a case, written into tmp; returns its path."""
    if case in ("basic_cnn", "mlp"):
        model = "model: {name: basic_cnn}" if case == "basic_cnn" else "model: {name: mlp, hidden: [512, 256]}"
        text = f"""name: bench_{case}
seed: 42
data: {{dataset: fashion_mnist, root: {FASHION}, val_split: 10000, batch_size: 64}}
{model}
optimizer: {{name: adam, lr: 0.001}}
"""
    elif case == "cifar_cnn":
        text = f"""name: bench_cifar_cnn
seed: 42
data:
  dataset: cifar100
  root: {data['cifar_root']}
  val: test
  batch_size: 128
  train_transforms: [{{normalize: {{mean: {CIFAR_MEAN}, std: {CIFAR_STD}}}}}]
  val_transforms: [{{normalize: {{mean: {CIFAR_MEAN}, std: {CIFAR_STD}}}}}]
model: {{name: cifar_cnn, hidden_size: 32, pooling: avg}}
optimizer: {{name: sgd, lr: 0.005, momentum: 0.9}}
"""
    else:
        norm = f"{{normalize: {{mean: {IMAGENET_MEAN}, std: {IMAGENET_STD}}}}}"
        text = f"""name: bench_residual_cnn
seed: 42
data:
  dataset: image_folder
  root: {data['photos']}
  val_split: 0.1
  batch_size: 32
  train_transforms: [{{resize: [64, 64]}}, {norm}]
  val_transforms: [{{resize: [64, 64]}}, {norm}]
model: {{name: residual_cnn}}
optimizer: {{name: adam, lr: 0.001, weight_decay: 0.0001}}
"""
    path = os.path.join(tmp, f"bench_{case}.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def limit_args(case, limit):
    """--limit N: the first N training images (Fashion-MNIST keeps a sixth of them for
    validation, as 10k of 60k; the photo folder is --photos already)."""
    if not limit or case == "residual_cnn":
        return []
    if case in ("basic_cnn", "mlp"):
        return [f"data.limit={limit}", f"data.val_split={limit // 6}"]
    return [f"data.limit={limit}"]


def imgcls_ips(binary, config, threads, out, extra):
    cmd = [binary, "train", config, "train.epochs=1", f"threads={threads}", "device=cpu", "--quiet", "--out", out]
    subprocess.run(cmd + extra, check=True)
    with open(os.path.join(out, "metrics.csv")) as f:
        return float(list(csv.DictReader(f))[-1]["images_per_second"])


# ----------------------------------------------------------------------------- PyTorch side


def seed_models(case, nn):
    """The seeds' own model classes, as they write them."""
    if case == "basic_cnn":  # seed 004
        class BasicCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(
                    nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
                self.classifier = nn.Sequential(
                    nn.Flatten(), nn.Linear(7 * 7 * 32, 128), nn.ReLU(), nn.Linear(128, 10))

            def forward(self, x):
                return self.classifier(self.features(x))
        return BasicCNN()
    if case == "mlp":  # seed 004
        class MediumMLP(nn.Module):
            def __init__(self):
                super().__init__()
                self.flatten = nn.Flatten()
                self.layers = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                                            nn.Linear(256, 10))

            def forward(self, x):
                return self.layers(self.flatten(x))
        return MediumMLP()
    if case == "cifar_cnn":  # seed 001
        import torch

        class Normalize(nn.Module):
            def __init__(self, mean, std):
                super().__init__()
                self.mean = torch.tensor(mean)
                self.std = torch.tensor(std)

            def forward(self, input):
                x = input / 255.0
                x = x - self.mean
                x = x / self.std
                return x.permute(0, 3, 1, 2)

        class Cifar100_CNN(nn.Module):
            def __init__(self, hidden_size=32, classes=100):
                super().__init__()
                self.seq = nn.Sequential(
                    Normalize(CIFAR_MEAN, CIFAR_STD),
                    nn.Conv2d(3, hidden_size, 5, stride=4, padding=2), nn.ReLU(),
                    nn.Conv2d(hidden_size, hidden_size * 2, 3, stride=1, padding=1), nn.ReLU(),
                    nn.AvgPool2d(4), nn.Flatten(), nn.Linear(hidden_size * 8, classes))

            def forward(self, input):
                return self.seq(input)
        return Cifar100_CNN(32, CIFAR_CLASSES)

    class ResidualBlock(nn.Module):  # seed 000
        def __init__(self, channels):
            super().__init__()
            self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
            self.bn1 = nn.BatchNorm2d(channels)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
            self.bn2 = nn.BatchNorm2d(channels)

        def forward(self, x):
            residual = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += residual
            return self.relu(out)

    class EnhancedCNN(nn.Module):
        def __init__(self, num_classes=5):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
                nn.Conv2d(64, 128, kernel_size=3, padding=1), nn.BatchNorm2d(128), nn.ReLU(inplace=True),
                ResidualBlock(128), ResidualBlock(128), nn.MaxPool2d(kernel_size=2, stride=2),
                nn.Conv2d(128, 256, kernel_size=3, padding=1), nn.BatchNorm2d(256), nn.ReLU(inplace=True),
                ResidualBlock(256), ResidualBlock(256), nn.MaxPool2d(kernel_size=2, stride=2),
                nn.Conv2d(256, 512, kernel_size=3, padding=1), nn.BatchNorm2d(512), nn.ReLU(inplace=True),
                ResidualBlock(512), ResidualBlock(512), nn.AdaptiveAvgPool2d((4, 4)))
            self.classifier = nn.Sequential(
                nn.Flatten(), nn.Dropout(0.5), nn.Linear(512 * 4 * 4, 1024), nn.ReLU(inplace=True), nn.Dropout(0.3),
                nn.Linear(1024, num_classes))

        def forward(self, x):
            return self.classifier(self.features(x))
    return EnhancedCNN(5)


def pytorch_ips(case, threads, data, amp="none", channels_last=False, limit=0, fused=False):
    """One epoch of the seed's loop; returns its training images/second. amp "bf16": forward and
    loss under CPU autocast (the weights, gradients and optimizer stay fp32, as torch.autocast does);
    channels_last: the model and each batch in channels_last (4-d inputs only); fused: Adam(fused=True)
    (what imgcls's optimizer.fused, on by default, runs) where the seed uses Adam."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torch.optim as optim
    import torchvision
    import torchvision.transforms as transforms
    from torch.utils.data import DataLoader, TensorDataset, random_split

    torch.set_num_threads(threads)
    torch.manual_seed(42)
    model = seed_models(case, nn)
    criterion = nn.CrossEntropyLoss()
    if case in ("basic_cnn", "mlp"):
        transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
        full = torchvision.datasets.FashionMNIST(root=data["fashion_root"], train=True, download=False,
                                                 transform=transform)
        if limit:
            full = torch.utils.data.Subset(full, range(limit))
        n_val = limit // 6 if limit else 10000
        train_dataset, _ = random_split(full, [len(full) - n_val, n_val])
        loader = DataLoader(train_dataset, batch_size=64, shuffle=True)
        optimizer = optim.Adam(model.parameters(), lr=0.001, fused=fused or None)
    elif case == "cifar_cnn":
        x, y = data["cifar"]["train"]
        if limit:
            x, y = x[:limit], y[:limit]
        tensor_x = torch.Tensor(x.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        tensor_y = F.one_hot(torch.Tensor(y).to(torch.int64), num_classes=CIFAR_CLASSES) / 1.
        loader = DataLoader(TensorDataset(tensor_x, tensor_y), batch_size=128, shuffle=True)
        optimizer = optim.SGD(model.parameters(), lr=5e-3, momentum=0.9)
    else:
        prepare = transforms.Compose([transforms.Resize((64, 64)), transforms.ToTensor(),
                                      transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
        full = torchvision.datasets.ImageFolder(data["photos"], transform=prepare)
        n_val = int(len(full) * 0.1)
        train_set, _ = random_split(full, [len(full) - n_val, n_val])
        loader = DataLoader(train_set, 32, pin_memory=True, num_workers=2, shuffle=True)
        optimizer = optim.Adam(model.parameters(), lr=0.001, weight_decay=1e-4, fused=fused or None)

    if channels_last:
        model = model.to(memory_format=torch.channels_last)

    def autocast():
        return torch.autocast("cpu", dtype=torch.bfloat16) if amp == "bf16" else contextlib.nullcontext()

    model.train()
    running_loss, correct, total = 0.0, 0, 0
    start = time.perf_counter()
    for inputs, labels in loader:
        if channels_last and inputs.dim() == 4 and case != "cifar_cnn":  # cifar_cnn's input is HWC; it permutes
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        optimizer.zero_grad()
        with autocast():
            outputs = model(inputs)
            loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        _, predicted = outputs.max(1)
        target = labels.argmax(1) if labels.dim() == 2 else labels  # seed 001's one-hot targets
        total += labels.size(0)
        correct += predicted.eq(target).sum().item()
    return total / (time.perf_counter() - start)


# ----------------------------------------------------------------------------- main


SIDES = ("imgcls", "imgcls_bf16", "imgcls_bf16_cl", "pytorch", "pytorch_bf16", "pytorch_bf16_cl")


def run_side(side, case, config, args, data, out):
    limit = limit_args(case, args.limit)
    if side == "imgcls":
        return imgcls_ips(args.binary, config, args.threads, out,
                          ["train.amp=none", "train.channels_last=false"] + limit + args.imgcls_args)
    if side in ("imgcls_bf16", "imgcls_bf16_cl"):
        memory_format = ["train.channels_last=" + ("true" if side.endswith("_cl") else "false")]
        return imgcls_ips(args.binary, config, args.threads, out,
                          ["train.amp=bf16"] + memory_format + limit + args.imgcls_args)
    return pytorch_ips(case, args.threads, data, amp="bf16" if side.startswith("pytorch_bf16") else "none",
                       channels_last=side.endswith("_cl"), limit=args.limit if limit else 0, fused=args.pytorch_fused)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(ROOT, "build/imgcls"))
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--rounds", type=int, default=3, help="A/B rounds, alternating, one epoch per side each")
    p.add_argument("--pytorch-fused", action="store_true",
                   help="the PyTorch sides' Adam with fused=True, as imgcls's default optimizer.fused (the seeds "
                        "use the default, per-tensor Adam); imgcls's side: --imgcls-args optimizer.fused=false")
    p.add_argument("--cases", default="basic_cnn,mlp,cifar_cnn,residual_cnn")
    p.add_argument("--sides", default="imgcls,pytorch",
                   help=f"comma-separated, run in this order each round; ratios are of the first ({', '.join(SIDES)})")
    p.add_argument("--photos", type=int, default=400, help="images in the residual_cnn photo folder")
    p.add_argument("--limit", type=int, default=0,
                   help="train on the first N images of basic_cnn, mlp and cifar_cnn's data (0 = all), both sides")
    p.add_argument("--imgcls-args", nargs="*", default=[], help="extra KEY=VALUE overrides for imgcls train")
    args = p.parse_args()
    cases = args.cases.split(",")
    sides = args.sides.split(",")
    unknown = [x for x in sides if x not in SIDES]
    if unknown:
        p.error(f"--sides: unknown {', '.join(unknown)} (known: {', '.join(SIDES)})")

    import torch
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = {}
        if {"basic_cnn", "mlp"} & set(cases):
            data["fashion_root"] = prepare_fashion(tmp)
        if "cifar_cnn" in cases:
            data["cifar_root"], data["cifar"] = prepare_cifar(tmp)
        if "residual_cnn" in cases:
            data["photos"] = prepare_photos(tmp, args.photos)
        for case in cases:
            config = imgcls_config(case, tmp, data)
            got = {side: [] for side in sides}
            for r in range(args.rounds):
                for side in sides:
                    got[side].append(run_side(side, case, config, args, data, os.path.join(tmp, f"{case}-{side}-{r}")))
                print(f"{case} round {r + 1}: " + ", ".join(f"{side} {got[side][-1]:.0f} img/s" for side in sides) +
                      f"  (load {os.getloadavg()[0]:.1f})", flush=True)
            results[case] = got

    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; torch {torch.__version__}; "
          f"threads {args.threads}; imgcls extra args: {' '.join(args.imgcls_args) or '-'}; PyTorch's Adam "
          f"{'fused' if args.pytorch_fused else 'per-tensor (the seeds)'}")
    first = sides[0]
    print(f"{'case':<14}" + "".join(f"{side:>17}" for side in sides) +
          "".join(f"{first + '/' + side:>30}" for side in sides[1:]) + "   rounds")
    for case, got in results.items():
        med = {side: statistics.median(v) for side, v in got.items()}
        print(f"{case:<14}" + "".join(f"{med[side]:>17.0f}" for side in sides) +
              "".join(f"{med[first] / med[side]:>29.2f}x" for side in sides[1:]) + "   " +
              " | ".join(", ".join(f"{x:.0f}" for x in got[side]) for side in sides))


if __name__ == "__main__":
    sys.exit(main())
