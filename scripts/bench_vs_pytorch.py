#!/usr/bin/env python3
"""imgcls vs PyTorch's own Python loop, side by side, on the same machine in one run.

Trains seed 004's BasicCNN on the real Fashion-MNIST (50k/10k split, batch 64, Adam 1e-3)
with (a) `imgcls train configs/fashion_mnist.yaml` and (b) seed 004's `train_model` loop
(torchvision FashionMNIST + ToTensor/Normalize, DataLoader(shuffle=True), loss.item() per
batch), same torch version, same thread count, alternating A/B for --rounds rounds. Prints
the training images/second of each (training steps only, validation excluded, as in
imgcls's metrics.csv) and the ratio.

Run with the project's Python environment (scripts/setup.sh makes it):
  ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/bench_vs_pytorch.py --threads 2
"""
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
DATA = "/usr/share/datasets/fashion-mnist"


def pytorch_epoch_ips(threads, epochs, raw_root):
    """Seed 004's data pipeline, model and train_model loop; returns train images/s per epoch."""
    import torch
    import torch.nn as nn
    import torch.optim as optim
    import torchvision
    import torchvision.transforms as transforms
    from torch.utils.data import DataLoader, random_split

    torch.set_num_threads(threads)
    torch.manual_seed(42)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    full_dataset = torchvision.datasets.FashionMNIST(root=raw_root, train=True, download=False, transform=transform)
    train_dataset, val_dataset = random_split(full_dataset, [50000, 10000])
    train_loader = DataLoader(train_dataset, batch_size=64, shuffle=True)

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

    device = torch.device("cpu")
    model = BasicCNN().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    rates = []
    for _ in range(epochs):
        # The training half of seed 004's train_model, timed.
        model.train()
        running_loss, correct, total = 0.0, 0, 0
        start = time.perf_counter()
        for inputs, labels in train_loader:
            inputs, labels = inputs.to(device), labels.to(device)
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            _, predicted = outputs.max(1)
            total += labels.size(0)
            correct += predicted.eq(labels).sum().item()
        rates.append(total / (time.perf_counter() - start))
    return rates


def imgcls_epoch_ips(binary, threads, epochs, out):
    cmd = [binary, "train", os.path.join(ROOT, "configs/fashion_mnist.yaml"), f"train.epochs={epochs}",
           f"threads={threads}", "device=cpu", "--quiet", "--out", out]
    subprocess.run(cmd, check=True)
    with open(os.path.join(out, "metrics.csv")) as f:
        return [float(row["images_per_second"]) for row in csv.DictReader(f)]


def prepare_raw(tmp):
    """torchvision's FashionMNIST reads the decompressed IDX files from <root>/FashionMNIST/raw."""
    raw = os.path.join(tmp, "FashionMNIST", "raw")
    os.makedirs(raw)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        with gzip.open(os.path.join(DATA, name + ".gz")) as src, open(os.path.join(raw, name), "wb") as dst:
            shutil.copyfileobj(src, dst)
    return tmp


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(ROOT, "build/imgcls"))
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--epochs", type=int, default=1, help="epochs per round and side")
    p.add_argument("--rounds", type=int, default=2, help="A/B rounds, alternating")
    args = p.parse_args()

    import torch
    with tempfile.TemporaryDirectory() as tmp:
        raw_root = prepare_raw(tmp)
        a, b = [], []
        for r in range(args.rounds):
            a += imgcls_epoch_ips(args.binary, args.threads, args.epochs, os.path.join(tmp, f"run{r}"))
            b += pytorch_epoch_ips(args.threads, args.epochs, raw_root)
            print(f"round {r + 1}: imgcls {a[-1]:.0f} img/s, pytorch {b[-1]:.0f} img/s", flush=True)
    ia, ib = statistics.median(a), statistics.median(b)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"torch {torch.__version__}; threads {args.threads}")
    print(f"imgcls  (C++ LibTorch)     median train images/s: {ia:8.0f}  (epochs: {', '.join(f'{x:.0f}' for x in a)})")
    print(f"pytorch (seed 004 loop)    median train images/s: {ib:8.0f}  (epochs: {', '.join(f'{x:.0f}' for x in b)})")
    print(f"ratio imgcls / pytorch: {ia / ib:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
