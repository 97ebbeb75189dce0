#!/usr/bin/env python3
"""PyTorch's own loop for the ResNet-50 step benchmark, the same work as
`imgcls bench step scripts/gpu/resnet50_step.yaml`: torchvision resnet50 (10 classes), batch
256 of synthetic 3x224x224 input on the GPU, bf16 autocast, channels_last, SGD momentum 0.9,
cudnn.benchmark; a few warm-up steps, then --steps timed steps; prints images/second.
"""
import argparse
import time

import torch
import torchvision


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--steps", type=int, default=50)
    args = p.parse_args()
    torch.backends.cudnn.benchmark = True
    device = torch.device("cuda")
    model = torchvision.models.resnet50(num_classes=10).to(device).to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = torch.randn(args.batch, 3, 224, 224, device=device).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (args.batch,), device=device)
    criterion = torch.nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = criterion(model(x).float(), y)
        loss.backward()
        optimizer.step()

    model.train()
    for _ in range(5):
        step()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    print(f"pytorch resnet50 bf16 channels_last batch {args.batch}: {args.steps} steps in {seconds:.2f} s")
    print(f"images_per_second: {args.steps * args.batch / seconds:.1f}")


if __name__ == "__main__":
    main()
