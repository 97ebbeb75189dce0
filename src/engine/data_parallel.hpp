// Data-parallel training's hook (engine/train_hooks.hpp), over a Collective (dist/):
//   after_backward   the gradients summed over the ranks, in buckets of about `bucket_bytes`
//                    all-reduced concurrently: each rank's loss is already weighted by its
//                    share of the global batch (TrainLoop), so the sum is the global batch's
//                    gradient, and clipping, the optimizer and the scaler see the same on every
//                    rank. A parameter without a gradient on this rank (no samples in a short
//                    last batch) contributes zeros.
//   stop_requested   SIGINT/SIGTERM on any rank stops every rank after the same step (the
//                    signal numbers' maximum; replaces StopOnSignal).
//   before_evaluate  rank 0's buffers (BatchNorm running statistics) on every rank, so a
//                    sharded evaluation is one model's, and the checkpoints rank 0 writes hold
//                    what every rank evaluated.
// Why not c10d's Reducer (DDP's engine): internal API whose constructor changed in 2.11, and
// hooking autograd would need every rank to run a backward pass, which a rank with no samples
// in the last batch does not; one bucketed all-reduce at the group's end measured about as
// fast on CPU (docs/BENCHMARKS.md).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

#include "engine/train_hooks.hpp"

namespace imgcls {

class ClassifierImpl;
class Collective;

class DataParallel final : public TrainHook {
 public:
  DataParallel(ClassifierImpl& model, Collective& dist, int64_t bucket_bytes = int64_t{8} << 20)
      : model_(model), dist_(dist), bucket_bytes_(bucket_bytes) {}
  void after_backward(int64_t epoch, int64_t step) override;
  int stop_requested() override;
  void before_evaluate(const std::string& split) override;

 private:
  ClassifierImpl& model_;
  Collective& dist_;
  int64_t bucket_bytes_;
};

// Every rank's parameters and buffers become rank 0's (at the start; after a checkpoint only
// rank 0 read).
void broadcast_model(ClassifierImpl& model, Collective& dist);
// Rank 0's buffers only.
void broadcast_buffers(ClassifierImpl& model, Collective& dist);
// Every rank's CPU generator state, row r being rank r's (uint8, ranks x state size), on every
// rank: what a checkpoint keeps so that each rank resumes its own random draws (dropout).
at::Tensor gather_cpu_generators(Collective& dist);

}  // namespace imgcls
