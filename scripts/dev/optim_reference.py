#!/usr/bin/env python3
"""Prints parameter values after 3 steps of each torch.optim optimizer on a fixed problem (Adam and
AdamW also with fused=True, which imgcls's optimizer.fused selects):
tests/engine/test_optimizers.cpp holds imgcls's optimizers against them.
  ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/dev/optim_reference.py"""
import torch

torch.set_default_dtype(torch.float64)
x = torch.tensor([0.5, -1.5, 2.0])


def run(make):
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0, 3.0]))
    opt = make([w])
    for _ in range(3):
        opt.zero_grad()
        loss = (w * x).sum() ** 2 + (w ** 2).sum()
        loss.backward()
        opt.step()
    return w.detach().tolist()


cases = {
    "sgd lr=0.01": lambda p: torch.optim.SGD(p, lr=0.01),
    "sgd lr=0.01 momentum=0.9 nesterov weight_decay=0.1": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.1),
    "sgd lr=0.01 momentum=0.9 dampening=0.5": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, dampening=0.5),
    "adam lr=0.1 betas=(0.8,0.99) eps=1e-6": lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.8, 0.99), eps=1e-6),
    "adam lr=0.1 weight_decay=0.1": lambda p: torch.optim.Adam(p, lr=0.1, weight_decay=0.1),
    "adamw lr=0.1 weight_decay=0.01": lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.01),
    "adam fused lr=0.1 weight_decay=0.1": lambda p: torch.optim.Adam(p, lr=0.1, weight_decay=0.1, fused=True),
    "adamw fused lr=0.1 weight_decay=0.01": lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.01, fused=True),
    "rmsprop lr=0.01 alpha=0.9 momentum=0.5": lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.5),
}
for name, make in cases.items():
    print(f"// {name}\n{{{', '.join(repr(v) for v in run(make))}}},")
