#!/usr/bin/env python3
"""Prints the learning-rate range test's numbers for a synthetic loss curve, computed the way
PyTorch Lightning's LRFinder does (bias-corrected exponential average, beta 0.98; stop above
4x the best smoothed loss; suggestion = argmin of np.gradient of the smoothed losses, skipping
the first 10, and, as imgcls, only up to the smoothed loss's minimum where Lightning stops one
short of the end): tests/engine/test_lr_finder.cpp holds imgcls lr-find to them.
  ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/dev/lr_find_reference.py"""
import numpy as np

start, end, steps, beta = 1e-5, 1.0, 40, 0.98
lrs = [start * (end / start) ** (i / (steps - 1)) for i in range(steps)]
# A loss that falls fastest around lr 1e-3 and explodes past 0.1.
losses = [2.0 - 1.5 / (1 + np.exp(-(np.log10(lr) + 3) * 3)) + (2000 * (lr - 0.1) if lr > 0.1 else 0) for lr in lrs]
avg, best, smoothed = 0.0, None, []
for i, loss in enumerate(losses):
    avg = beta * avg + (1 - beta) * loss
    s = avg / (1 - beta ** (i + 1))
    smoothed.append(s)
    if i > 0 and s > 4 * best:
        break
    if best is None or s < best:
        best = s
print("steps run", len(smoothed))
print("smoothed[0..3]", [repr(v) for v in smoothed[:3]])
print("smoothed[-1]", repr(smoothed[-1]))
lowest = int(np.argmin(smoothed))
ys = np.array(smoothed[10:lowest + 1])  # imgcls: up to the minimum (Lightning: smoothed[10:-1])
idx = int(np.gradient(ys).argmin()) + 10
print("minimum at index", lowest)
print("suggested index", idx, "lr", repr(lrs[idx]))
