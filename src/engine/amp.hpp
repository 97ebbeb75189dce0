// Mixed precision: an autocast scope (bf16 or fp16 on CUDA, bf16 on the CPU) and a dynamic
// gradient scaler for fp16 with PyTorch's GradScaler defaults (scale 2^16, growth 2 every 2000
// steps without overflow, backoff 0.5). The weights, gradients and optimizer state stay fp32;
// only the operations LibTorch's autocast lists run in the lower precision.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/DeviceType.h>

#include <string>
#include <vector>

#include "engine/torch_fwd.hpp"

namespace imgcls {

// Enables autocast on `device` (kCUDA or kCPU) with `dtype` ("bf16" | "fp16") for the scope,
// as torch.autocast does: the previous state is restored at exit and the cache of cast weights
// cleared when the outermost scope closes. "none" does nothing. Throws std::invalid_argument
// for another dtype or device (effective_amp only hands out the supported pairs).
class AutocastScope {
 public:
  AutocastScope(const std::string& dtype, c10::DeviceType device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  c10::DeviceType device_ = c10::DeviceType::CPU;
  bool was_enabled_ = false;
  c10::ScalarType was_dtype_ = c10::ScalarType::Float;
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
