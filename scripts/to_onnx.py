#!/usr/bin/env python3
"""Rebuilds an exported imgcls model in PyTorch and writes it as ONNX (seed 001's last step).

  imgcls export runs/fm --format state_dict --out fm.pt
  ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/to_onnx.py fm.pt --out fm.onnx

(the project's Python, with torch and onnx: scripts/setup.sh makes it; $IMGCLS_VENV/bin/python
when IMGCLS_VENV is set).

The model takes normalised float input N x C x H x W (the batch axis is dynamic) and returns
logits; fm.pt.json says the input shape, the normalisation and the class names. The file is
checked with onnx.checker, then run with ONNX's reference evaluator on a random batch and
compared with PyTorch's logits.

ONNX's pooling operators have no adaptive form, and PyTorch's TorchScript-based exporter
refuses adaptive pooling whose output size does not divide the input size (seed 000's
EnhancedCNN at 224x224 pools 14x14 to 4x4). Those layers are exported as the same bins
written out (slices, then a mean or max over each), which is exact for the model's fixed
input size.
"""
import argparse
import os
import sys
import warnings

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_models import load  # noqa: E402


def _bins(n_in, n_out):
    """PyTorch's adaptive pooling bins: [floor(i*n_in/n_out), ceil((i+1)*n_in/n_out))."""
    return [((i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)) for i in range(n_out)]


class UnrolledAdaptivePool2d(nn.Module):
    """AdaptiveAvgPool2d / AdaptiveMaxPool2d for one input size, as slices and reductions."""

    def __init__(self, pool, in_h, in_w):
        super().__init__()
        size = pool.output_size
        out_h, out_w = (size, size) if isinstance(size, int) else size
        self.rows, self.cols = _bins(in_h, out_h or in_h), _bins(in_w, out_w or in_w)
        self.max = isinstance(pool, nn.AdaptiveMaxPool2d)

    def forward(self, x):
        def reduce(t):
            return t.amax(dim=(-2, -1)) if self.max else t.mean(dim=(-2, -1))
        return torch.stack([torch.stack([reduce(x[:, :, r0:r1, c0:c1]) for c0, c1 in self.cols], dim=-1)
                            for r0, r1 in self.rows], dim=-2)


def unroll_adaptive_pools(model, example):
    """Replaces the adaptive pools whose output does not divide their input; returns how many."""
    shapes, hooks = {}, []
    for name, m in model.named_modules():
        if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
            hooks.append(m.register_forward_hook(lambda mod, inp, out, name=name: shapes.__setitem__(name, inp[0].shape)))
    with torch.no_grad():
        model(example)
    for h in hooks:
        h.remove()
    replaced = 0
    for name, shape in shapes.items():
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        pool = getattr(parent, child) if not child.isdigit() else parent[int(child)]
        in_h, in_w = shape[-2], shape[-1]
        out = pool.output_size if isinstance(pool.output_size, tuple) else (pool.output_size,) * 2
        if all(o is None or i % o == 0 for i, o in zip((in_h, in_w), out)):
            continue
        new = UnrolledAdaptivePool2d(pool, in_h, in_w)
        if child.isdigit():
            parent[int(child)] = new
        else:
            setattr(parent, child, new)
        replaced += 1
    return replaced


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="the weights `imgcls export --format state_dict` wrote (FILE.json beside it)")
    p.add_argument("--out", required=True, help="the .onnx file to write")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--atol", type=float, default=1e-4, help="tolerance of the ONNX vs PyTorch check")
    args = p.parse_args()

    import onnx
    from onnx.reference import ReferenceEvaluator

    model, meta = load(args.file)
    x = torch.randn(2, *meta["input"], generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = model(x)
    unrolled = unroll_adaptive_pools(model, x)
    with torch.no_grad():
        assert torch.allclose(model(x), expected, atol=1e-5), "unrolled adaptive pooling changed the logits"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript-based exporter's deprecation notice
        torch.onnx.export(model, (x,), args.out, export_params=True, opset_version=args.opset,
                          do_constant_folding=True, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, dynamo=False)
    proto = onnx.load(args.out)
    onnx.checker.check_model(proto, full_check=True)
    got = ReferenceEvaluator(proto).run(None, {"input": x.numpy()})[0]
    diff = float(abs(torch.from_numpy(got) - expected).max())
    status = "ok" if diff <= args.atol else "MISMATCH"
    print(f"to_onnx: wrote {args.out} ({meta['model']['name']}, input [N, {', '.join(map(str, meta['input']))}], "
          f"opset {args.opset}{f', {unrolled} adaptive pool(s) unrolled' if unrolled else ''}); onnx.checker passed; ONNX vs PyTorch max |diff| {diff:.3g} ({status})")
    return 0 if diff <= args.atol else 1


if __name__ == "__main__":
    sys.exit(main())
