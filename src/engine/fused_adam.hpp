// Adam and AdamW whose step is ATen's fused kernel (at::_fused_adam_ / at::_fused_adamw_):
// PyTorch's torch.optim.Adam(fused=True) and AdamW(fused=True). One pass over each tensor
// instead of LibTorch's six ATen operations per parameter: the step 4-6x faster on a CPU
// (docs/BENCHMARKS.md, "Fused Adam").
//
// Contract:
// - The same options, state (AdamParamState: step, exp_avg, exp_avg_sq) and save/load as
//   torch::optim::Adam / AdamW, so a checkpoint reads with either; only the arithmetic
//   differs, by rounding (the fused kernel computes in float with a float step count).
// - Parameters, gradients and state may be in any dense layout (channels_last included): a
//   gradient or state tensor whose strides differ from its parameter's (state read back from
//   a checkpoint is contiguous) is first copied into the parameter's layout, because the
//   kernel walks the raw memory of the four tensors in step.
// - Tensors are handed to the kernel grouped by device and dtype, as PyTorch does.
#pragma once

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>

namespace imgcls {

class FusedAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  at::Tensor step(LossClosure closure = nullptr) override;
};

class FusedAdamW : public torch::optim::AdamW {
 public:
  using torch::optim::AdamW::AdamW;
  at::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace imgcls
