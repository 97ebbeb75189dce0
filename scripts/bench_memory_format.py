#!/usr/bin/env python3
"""channels_last vs NCHW, fp32 and bf16, for every registry model with convolutions, on the CPU.

Each case times `imgcls bench step` (the trainer's own TrainStep: forward and loss under
autocast, backward, optimizer step, on synthetic input of the config's shape; with
train.channels_last the 4-d weights are channels_last too, as in the trainer) in four
variants: fp32 NCHW, fp32 channels_last, bf16 NCHW, bf16 channels_last. The variants
alternate within each round; the figure is the median images/second over --rounds rounds.
No dataset files are read: bench step takes the input shape from the dataset's table (and the
validation transforms' resize). `mlp` has no 4-d tensors and `torchscript` is whatever file
a user exports, so neither is a case.

  ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/bench_memory_format.py --threads 2 --rounds 3
"""
import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESIZE64 = "  train_transforms: [{resize: [64, 64]}]\n  val_transforms: [{resize: [64, 64]}]\n"
# name: (data block, model block, batches to time)
CASES = {
    "basic_cnn": ("{dataset: fashion_mnist, batch_size: 64}", "{name: basic_cnn}", 60),
    "complex_cnn": ("{dataset: fashion_mnist, batch_size: 64}", "{name: complex_cnn}", 30),
    "cifar10_cnn": ("{dataset: cifar10, batch_size: 64}", "{name: cifar10_cnn}", 30),
    "cifar_cnn": ("{dataset: cifar100, batch_size: 128}", "{name: cifar_cnn, hidden_size: 32, pooling: avg}", 60),
    "baseline_cnn": ("\n  dataset: cifar10\n  batch_size: 32\n" + RESIZE64, "{name: baseline_cnn}", 10),
    "residual_cnn": ("\n  dataset: cifar10\n  batch_size: 32\n" + RESIZE64, "{name: residual_cnn}", 6),
    "vgg_cnn": ("{dataset: fashion_mnist, batch_size: 256}",
                "{name: vgg_cnn, widths: [32, 64], blocks: 1, hidden: [256], dropout: 0.2}", 12),
}
VARIANTS = [("fp32", "false"), ("fp32", "true"), ("bf16", "false"), ("bf16", "true")]


def step_ips(binary, config, batches, threads, amp, channels_last):
    amp_value = "none" if amp == "fp32" else amp
    out = subprocess.run([binary, "bench", "step", config, f"threads={threads}", "device=cpu",
                          f"train.amp={amp_value}", f"train.channels_last={channels_last}", "--batches", str(batches)],
                         check=True, capture_output=True, text=True).stdout
    return float(re.search(r"images_per_second: ([0-9.]+)", out).group(1))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(ROOT, "build/imgcls"))
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--cases", default=",".join(CASES))
    p.add_argument("--scale", type=float, default=1.0, help="multiplies each case's timed batches")
    args = p.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases.split(","):
            data, model, batches = CASES[case]
            config = os.path.join(tmp, f"{case}.yaml")
            with open(config, "w") as f:
                f.write(f"name: mf_{case}\nseed: 1\ndata: {data}\nmodel: {model}\n")
            n = max(2, int(batches * args.scale))
            got = {v: [] for v in VARIANTS}
            for r in range(args.rounds):
                for v in VARIANTS:
                    got[v].append(step_ips(args.binary, config, n, args.threads, *v))
                print(f"{case} round {r + 1}: " + ", ".join(f"{a}{' CL' if cl == 'true' else ''} {got[(a, cl)][-1]:.0f}"
                                                         for a, cl in VARIANTS) +
                      f" img/s (load {os.getloadavg()[0]:.1f})", flush=True)
            results[case] = {v: statistics.median(x) for v, x in got.items()}
    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; threads {args.threads}; "
          f"medians of {args.rounds} rounds, img/s")
    print(f"{'model':<14}{'fp32 NCHW':>11}{'fp32 CL':>9}{'CL/NCHW':>9}{'bf16 NCHW':>11}{'bf16 CL':>9}{'CL/NCHW':>9}"
          f"{'best bf16/fp32':>16}")
    for case, m in results.items():
        f_n, f_c, b_n, b_c = (m[v] for v in VARIANTS)
        print(f"{case:<14}{f_n:>11.0f}{f_c:>9.0f}{f_c / f_n:>8.2f}x{b_n:>11.0f}{b_c:>9.0f}{b_c / b_n:>8.2f}x"
              f"{max(b_n, b_c) / max(f_n, f_c):>15.2f}x")


if __name__ == "__main__":
    sys.exit(main())
