#!/usr/bin/env python3
"""Prints timm's Mixup numbers (timm/data/mixup.py, mode batch; the functions below are
timm 1.0's, copied because the project's environment has no timm) for fixed draws:
tests/engine/test_mixup.cpp holds imgcls's train.mixup to them.
  ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/dev/mixup_reference.py"""
import numpy as np
import torch


def one_hot(x, num_classes, on_value=1., off_value=0.):
    x = x.long().view(-1, 1)
    return torch.full((x.size()[0], num_classes), off_value, device=x.device).scatter_(1, x, on_value)


def mixup_target(target, num_classes, lam=1., smoothing=0.0):
    off_value = smoothing / num_classes
    on_value = 1. - smoothing + off_value
    y1 = one_hot(target, num_classes, on_value=on_value, off_value=off_value)
    y2 = one_hot(target.flip(0), num_classes, on_value=on_value, off_value=off_value)
    return y1 * lam + y2 * (1. - lam)


def rand_bbox(img_shape, lam, margin=0., count=None, centre=None):
    """timm's, with the two np.random.randint draws given as `centre` (cy, cx)."""
    ratio = np.sqrt(1 - lam)
    img_h, img_w = img_shape[-2:]
    cut_h, cut_w = int(img_h * ratio), int(img_w * ratio)
    cy, cx = centre
    yl = np.clip(cy - cut_h // 2, 0, img_h)
    yh = np.clip(cy + cut_h // 2, 0, img_h)
    xl = np.clip(cx - cut_w // 2, 0, img_w)
    xh = np.clip(cx + cut_w // 2, 0, img_w)
    return yl, yh, xl, xh


def cutmix_bbox_and_lam(img_shape, lam, centre):
    yl, yu, xl, xu = rand_bbox(img_shape, lam, centre=centre)
    bbox_area = (yu - yl) * (xu - xl)
    lam = 1. - bbox_area / float(img_shape[-2] * img_shape[-1])
    return (yl, yu, xl, xu), lam


def mix_batch(x, lam, use_cutmix, centre=None):
    """timm's Mixup._mix_batch after its draw."""
    if lam == 1.:
        return 1.
    if use_cutmix:
        (yl, yh, xl, xh), lam = cutmix_bbox_and_lam(x.shape, lam, centre)
        x[:, :, yl:yh, xl:xh] = x.flip(0)[:, :, yl:yh, xl:xh]
    else:
        x_flipped = x.flip(0).mul_(1. - lam)
        x.mul_(lam).add_(x_flipped)
    return lam


torch.set_printoptions(precision=8)
labels = torch.tensor([0, 2, 1, 3, 2])
print("mixup_target(labels, 4, lam=0.7, smoothing=0.1):")
print(mixup_target(labels, 4, 0.7, 0.1).tolist())
for shape, lam, centre in [((8, 6), 0.64, (3, 2)), ((8, 6), 0.3, (7, 0)), ((5, 5), 0.9, (2, 2))]:
    box, corrected = cutmix_bbox_and_lam(shape, lam, centre)
    print(f"cutmix {shape} lam {lam} centre {centre}: box (y0, y1, x0, x1) {tuple(int(v) for v in box)} "
          f"lam {corrected!r}")
x = torch.arange(3 * 2 * 4 * 4, dtype=torch.float32).view(3, 2, 4, 4)
lam = mix_batch(x, 0.6, True, centre=(1, 2))
print(f"cutmix on arange(3x2x4x4), lam 0.6, centre (1, 2): lam {lam!r}, image 0 channel 1:")
print(x[0, 1].tolist())
