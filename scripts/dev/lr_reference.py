#!/usr/bin/env python3
"""Prints the learning-rate sequences of torch.optim.lr_scheduler that tests/engine/test_lr_schedule.cpp
holds imgcls's schedules against. Run with the project's torch:
  ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/dev/lr_reference.py
Each sequence is the lr in effect for epoch (or step) 0, 1, 2, ...: read before scheduler.step()."""
import warnings

import torch
from torch.optim import SGD
from torch.optim import lr_scheduler as S

warnings.filterwarnings("ignore")


def opt(lr=0.1):
    return SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=0.9)


def run(make, n, metrics=None, lr=0.1):
    o = opt(lr)
    s = make(o)
    out = []
    for i in range(n):
        out.append(o.param_groups[0]["lr"])
        o.step()
        if metrics is None:
            s.step()
        else:
            s.step(metrics[i])
    return out


def show(name, seq):
    print(f"// {name}\n{{" + ", ".join(repr(x) for x in seq) + "},")


show("step lr=0.1 step_size=3 gamma=0.5", run(lambda o: S.StepLR(o, 3, 0.5), 10))
show("multistep lr=0.1 milestones=[2,5,7] gamma=0.1", run(lambda o: S.MultiStepLR(o, [2, 5, 7], 0.1), 10))
show("cosine lr=0.1 t_max=10 eta_min=0.001", run(lambda o: S.CosineAnnealingLR(o, 10, 0.001), 11))
show("exponential lr=0.1 gamma=0.9", run(lambda o: S.ExponentialLR(o, 0.9), 6))
show("onecycle max_lr=0.1 total=20 pct=0.3 cos", run(lambda o: S.OneCycleLR(o, 0.1, total_steps=20, pct_start=0.3, anneal_strategy="cos", cycle_momentum=False), 20))
show("onecycle max_lr=0.1 total=20 pct=0.25 linear div=10 final_div=100", run(lambda o: S.OneCycleLR(o, 0.1, total_steps=20, pct_start=0.25, anneal_strategy="linear", div_factor=10, final_div_factor=100, cycle_momentum=False), 20))
metrics = [1.0, 0.9, 0.91, 0.92, 0.93, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.95, 0.96]
show("plateau min factor=0.5 patience=2 threshold=1e-4 rel cooldown=1 min_lr=0.01; metrics " + str(metrics),
     run(lambda o: S.ReduceLROnPlateau(o, "min", 0.5, 2, 1e-4, "rel", 1, 0.01), len(metrics), metrics))
acc = [0.5, 0.6, 0.6, 0.6, 0.61, 0.6, 0.6, 0.6, 0.6]
show("plateau max factor=0.1 patience=1 threshold=0.05 abs; metrics " + str(acc),
     run(lambda o: S.ReduceLROnPlateau(o, "max", 0.1, 1, 0.05, "abs"), len(acc), acc))
show("warmup 3 epochs start 0.1, then cosine t_max=7 (SequentialLR)",
     run(lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.1, 1.0, 3), S.CosineAnnealingLR(o, 7)], [3]), 10))
show("warmup 2 epochs start 0.25, then step 2 gamma 0.5 (SequentialLR)",
     run(lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.25, 1.0, 2), S.StepLR(o, 2, 0.5)], [2]), 8))
