#!/usr/bin/env python3
"""How far a CPU training case is from the machine's limit.

1. The practical peak: a large matrix product (M = N = K = --size) through LibTorch (the same
   libtorch_cpu and oneDNN/MKL that imgcls links) on --threads threads, in fp32 and in bf16;
   best of --repeats, FLOP/s = 2*M*N*K / seconds.
2. Each bench_vs_pytorch.py case's counted FLOPs per training image: the seed's model (the
   same layers as imgcls's registry model) run forward and backward once under
   torch.utils.flop_counter.FlopCounterMode (2 FLOPs per multiply-add of every conv, linear
   and matmul, forward and both backward products), divided by the batch.
3. With --ips CASE:SIDE=IMAGES_PER_S ... (figures from bench_vs_pytorch.py), each one's achieved
   FLOP/s and its fraction of the peak of its precision (fp32 sides against the fp32 peak,
   *_bf16* sides against the bf16 peak).

4. With --profile CASE: where a step's time goes, per LibTorch operator (torch.profiler over
   --profile-steps training steps of the seed's model, forward and loss under CPU bf16
   autocast, the loop imgcls's TrainStep runs: the same ATen/oneDNN operators).

  ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/bench_cpu_limit.py --threads 2 \\
      --ips basic_cnn:imgcls_bf16=5200 basic_cnn:pytorch=1600
  ... --profile residual_cnn --profile-batch 32
"""
import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_vs_pytorch as bench  # noqa: E402

SHAPES = {"basic_cnn": (1, 28, 28, 10), "mlp": (1, 28, 28, 10), "cifar_cnn": (32, 32, 3, 100),
          "residual_cnn": (3, 64, 64, 5)}  # cifar_cnn's seed model takes HWC input and permutes it


def peak(torch, dtype, size, repeats):
    a = torch.randn(size, size).to(dtype)
    b = torch.randn(size, size).to(dtype)
    torch.mm(a, b)  # warm-up: oneDNN/MKL pick and JIT their kernels
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2.0 * size ** 3 / best


def flops_per_image(torch, case, batch=32):
    from torch.utils.flop_counter import FlopCounterMode
    model = bench.seed_models(case, torch.nn)
    model.train()
    c, h, w, classes = SHAPES[case]
    x = torch.randn(batch, c, h, w)
    y = torch.randint(0, classes, (batch,))
    with FlopCounterMode(display=False) as counter:
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
    return counter.get_total_flops() / batch


def profile(torch, case, batch, steps, channels_last):
    from torch.profiler import ProfilerActivity, profile as torch_profile
    model = bench.seed_models(case, torch.nn)
    model.train()
    c, h, w, classes = SHAPES[case]
    x = torch.randn(batch, c, h, w)
    y = torch.randint(0, classes, (batch,))
    if channels_last and case != "cifar_cnn":
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    print(f"profile: {case}, batch {batch}, bf16 autocast{', channels_last' if channels_last else ''}, {steps} steps")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--size", type=int, default=4096)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--cases", default="basic_cnn,mlp,cifar_cnn,residual_cnn")
    p.add_argument("--ips", nargs="*", default=[], help="CASE:SIDE=IMAGES_PER_S, e.g. basic_cnn:imgcls_bf16=5200")
    p.add_argument("--profile", help="a case to profile per operator (bf16 autocast)")
    p.add_argument("--profile-batch", type=int, default=32)
    p.add_argument("--profile-steps", type=int, default=5)
    p.add_argument("--channels-last", action="store_true", help="profile in channels_last")
    args = p.parse_args()

    import torch
    torch.set_num_threads(args.threads)
    if args.profile:
        profile(torch, args.profile, args.profile_batch, args.profile_steps, args.channels_last)
        return 0
    peaks = {"fp32": peak(torch, torch.float32, args.size, args.repeats),
             "bf16": peak(torch, torch.bfloat16, args.size, args.repeats)}
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; torch {torch.__version__}; "
          f"threads {args.threads}; load {os.getloadavg()[0]:.1f}")
    for k, v in peaks.items():
        print(f"peak {k}: {v / 1e9:.1f} GFLOP/s ({args.size}^3 matrix product, best of {args.repeats})")
    print(f"bf16 / fp32 peak: {peaks['bf16'] / peaks['fp32']:.2f}x")
    per_image = {case: flops_per_image(torch, case) for case in args.cases.split(",")}
    for case, f in per_image.items():
        print(f"{case}: {f / 1e6:.2f} MFLOP per training image (forward + backward)")
    if args.ips:
        print(f"{'case:side':<28}{'img/s':>10}{'GFLOP/s':>10}{'of peak':>9}")
    for item in args.ips:
        key, value = item.split("=")
        case, side = key.split(":")
        achieved = float(value) * per_image[case]
        ref = peaks["bf16" if "bf16" in side else "fp32"]
        print(f"{key:<28}{float(value):>10.0f}{achieved / 1e9:>10.2f}{achieved / ref:>8.1%}")


if __name__ == "__main__":
    sys.exit(main())
