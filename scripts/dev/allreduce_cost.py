"""The per-step cost of the gradient sum: c10d's Gloo all-reduce (the engine imgcls uses) of one
flat float32 buffer of N parameters, timed over many calls. Run with torchrun:
    torchrun --standalone --nproc-per-node 2 scripts/dev/allreduce_cost.py 421642 [ITERS]
Prints, on rank 0, N, the bytes and the median / mean milliseconds per all-reduce."""
import statistics
import sys
import time

import torch
import torch.distributed as dist

torch.set_num_threads(1)
n = int(sys.argv[1])
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 200
dist.init_process_group("gloo")
buf = torch.randn(n)
for _ in range(10):
    dist.all_reduce(buf)
times = []
for _ in range(iters):
    dist.barrier()
    t = time.perf_counter()
    dist.all_reduce(buf)
    times.append((time.perf_counter() - t) * 1e3)
if dist.get_rank() == 0:
    print(f"params {n} bytes {4 * n} world {dist.get_world_size()} "
          f"median_ms {statistics.median(times):.3f} mean_ms {statistics.mean(times):.3f}")
dist.destroy_process_group()
