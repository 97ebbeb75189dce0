// The BatchNorm2d imgcls's models use: torch::nn::BatchNorm2d (the same parameters, buffers,
// names, options and checkpoint records) that can normalise over the global batch of a
// data-parallel job, as torch.nn.SyncBatchNorm does (model.sync_batchnorm).
//
// Until sync_over() attaches a Collective, and always in eval mode or with one rank, forward
// is torch::nn::BatchNorm2d's. Attached and training, each rank's per-channel count, mean and
// sum of squared deviations are all-reduced (one collective per layer in the forward pass and
// one in the backward pass) and combined as Chan's parallel variance: the batch statistics are
// those of the global batch, their gradients reach every rank's input, and the running
// statistics (unbiased variance, momentum or cumulative average) are equal on every rank.
// Every rank must run the forward and backward pass of every step, with an empty batch where it
// has no samples (TrainLoop does), or the collectives of the ranks no longer pair up.
//
//   features->push_back(BatchNorm2d(64));
//   if (config.model.sync_batchnorm) sync_batchnorm(*model, dist);   // trainer, once
#pragma once

#include <torch/nn/modules/batchnorm.h>

#include <cstdint>

namespace imgcls {

class Collective;

class BatchNorm2dImpl : public torch::nn::BatchNorm2dImpl {
 public:
  using torch::nn::BatchNorm2dImpl::BatchNorm2dImpl;
  at::Tensor forward(const at::Tensor& x);
  // `dist` must outlive the module's use; nullptr detaches.
  void sync_over(Collective* dist) { dist_ = dist; }

 private:
  Collective* dist_ = nullptr;
};
TORCH_MODULE(BatchNorm2d);

// Attaches `dist` to every imgcls BatchNorm2d in `model`; returns how many there are.
int64_t sync_batchnorm(torch::nn::Module& model, Collective* dist);

}  // namespace imgcls
