// Mixed precision on CUDA: an autocast scope (bf16 or fp16) and a dynamic gradient scaler
// for fp16 with PyTorch's GradScaler defaults (scale 2^16, growth 2 every 2000 steps without
// overflow, backoff 0.5). On CPU both are inactive: the trainer warns and trains in fp32.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "engine/torch_fwd.hpp"

namespace imgcls {

// Enables CUDA autocast with `dtype` ("bf16" | "fp16") for the scope; "none" does nothing.
class AutocastScope {
 public:
  explicit AutocastScope(const std::string& dtype);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
};

class GradScaler {
 public:
  GradScaler(bool enabled, const at::Device& device);
  bool enabled() const { return enabled_; }
  at::Tensor scale(const at::Tensor& loss) const;
  // Unscales the gradients in place (so clipping sees true values); returns false when one
  // is not finite, in which case the optimizer step must be skipped.
  bool unscale(torch::optim::Optimizer& optimizer);
  // Grows or backs off the scale after a step (or a skipped one).
  void update();
  std::vector<double> state() const;
  void load_state(const std::vector<double>& state);

 private:
  bool enabled_;
  at::Tensor scale_, growth_tracker_, found_inf_;
};

}  // namespace imgcls
