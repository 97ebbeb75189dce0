#include "engine/amp.hpp"

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <torch/optim/optimizer.h>
#include <torch/version.h>

#include "imgcls/errors.hpp"

namespace imgcls {

AutocastScope::AutocastScope(const std::string& dtype) {
  if (dtype == "none") return;
  const auto type = dtype == "bf16" ? at::kBFloat16 : at::kHalf;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_dtype(at::kCUDA, type);
  at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
  at::autocast::set_autocast_gpu_dtype(type);
  at::autocast::set_enabled(true);
#endif
  active_ = true;
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_enabled(at::kCUDA, false);
#else
  at::autocast::set_enabled(false);
#endif
  at::autocast::clear_cache();
}

GradScaler::GradScaler(bool enabled, const at::Device& device) : enabled_(enabled) {
  const auto opts = at::TensorOptions().device(device);
  scale_ = at::full({1}, 65536.0, opts.dtype(at::kFloat));
  growth_tracker_ = at::zeros({1}, opts.dtype(at::kInt));
  found_inf_ = at::zeros({1}, opts.dtype(at::kFloat));
}

at::Tensor GradScaler::scale(const at::Tensor& loss) const { return enabled_ ? loss * scale_ : loss; }

bool GradScaler::unscale(torch::optim::Optimizer& optimizer) {
  if (!enabled_) return true;
  std::vector<at::Tensor> grads;
  for (auto& group : optimizer.param_groups())
    for (auto& p : group.params())
      if (p.grad().defined()) grads.push_back(p.grad());
  found_inf_.zero_();
  at::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf_, scale_.reciprocal());
  return found_inf_.item<float>() == 0.0f;
}

void GradScaler::update() {
  if (!enabled_) return;
  at::_amp_update_scale_(scale_, growth_tracker_, found_inf_, 2.0, 0.5, 2000);
}

std::vector<double> GradScaler::state() const {
  return {scale_.item<double>(), static_cast<double>(growth_tracker_.item<int>())};
}

void GradScaler::load_state(const std::vector<double>& s) {
  if (s.size() != 2) return;  // a run saved without a scaler
  scale_.fill_(s[0]);
  growth_tracker_.fill_(static_cast<int>(s[1]));
}

}  // namespace imgcls
