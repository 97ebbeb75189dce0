#!/usr/bin/env python3
"""Prints torchvision's weight-decay parameter groups (references/classification's
set_weight_decay, with --norm-weight-decay and --bias-weight-decay as train.py passes them)
for imgcls's residual_cnn (scripts/reference_models.py, the same parameter names):
tests/engine/test_optimizers.cpp holds optimizer.norm_weight_decay / bias_weight_decay to them.
  ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/dev/weight_decay_groups_reference.py"""
import os
import sys

import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from reference_models import EnhancedCNN  # noqa: E402


def set_weight_decay(model, weight_decay, norm_weight_decay=None, norm_classes=None, custom_keys_weight_decay=None):
    """torchvision 0.26 references/classification/utils.py, verbatim but for the docstring."""
    if not norm_classes:
        norm_classes = [
            nn.modules.batchnorm._BatchNorm,
            nn.LayerNorm,
            nn.GroupNorm,
            nn.modules.instancenorm._InstanceNorm,
            nn.LocalResponseNorm,
        ]
    norm_classes = tuple(norm_classes)

    params = {"other": [], "norm": []}
    params_weight_decay = {"other": weight_decay, "norm": norm_weight_decay}
    custom_keys = []
    if custom_keys_weight_decay is not None:
        for key, weight_decay in custom_keys_weight_decay:
            params[key] = []
            params_weight_decay[key] = weight_decay
            custom_keys.append(key)

    def _add_params(module, prefix=""):
        for name, p in module.named_parameters(recurse=False):
            if not p.requires_grad:
                continue
            is_custom_key = False
            for key in custom_keys:
                target_name = f"{prefix}.{name}" if prefix != "" and "." in key else name
                if key == target_name:
                    params[key].append(p)
                    is_custom_key = True
                    break
            if not is_custom_key:
                if norm_weight_decay is not None and isinstance(module, norm_classes):
                    params["norm"].append(p)
                else:
                    params["other"].append(p)

        for child_name, child_module in module.named_children():
            child_prefix = f"{prefix}.{child_name}" if prefix != "" else child_name
            _add_params(child_module, prefix=child_prefix)

    _add_params(model)

    param_groups = []
    for key in params:
        if len(params[key]) > 0:
            param_groups.append({"params": params[key], "weight_decay": params_weight_decay[key]})
    return param_groups


model = EnhancedCNN((1, 28, 28), 10, [8, 16], 1, 8)
names = {id(p): n for n, p in model.named_parameters()}
for norm, bias in [(0.0, None), (None, 0.0), (0.001, 0.0)]:
    custom = [("bias", bias)] if bias is not None else None
    groups = set_weight_decay(model, 0.05, norm_weight_decay=norm, custom_keys_weight_decay=custom)
    print(f"norm_weight_decay={norm} bias_weight_decay={bias}")
    for g in groups:
        print(f"  weight_decay {g['weight_decay']}: " + " ".join(names[id(p)] for p in g["params"]))
