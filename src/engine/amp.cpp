#include "engine/amp.hpp"

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <torch/optim/optimizer.h>
#include <torch/version.h>

#include <stdexcept>

#include "imgcls/errors.hpp"

namespace imgcls {

namespace {

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool autocast_enabled(c10::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
void set_autocast(c10::DeviceType d, bool on) { at::autocast::set_autocast_enabled(d, on); }
c10::ScalarType autocast_dtype(c10::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
void set_dtype(c10::DeviceType d, c10::ScalarType t) { at::autocast::set_autocast_dtype(d, t); }
#else
bool autocast_enabled(c10::DeviceType d) {
  return d == c10::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
void set_autocast(c10::DeviceType d, bool on) {
  d == c10::kCUDA ? at::autocast::set_enabled(on) : at::autocast::set_cpu_enabled(on);
}
c10::ScalarType autocast_dtype(c10::DeviceType d) {
  return d == c10::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void set_dtype(c10::DeviceType d, c10::ScalarType t) {
  d == c10::kCUDA ? at::autocast::set_autocast_gpu_dtype(t) : at::autocast::set_autocast_cpu_dtype(t);
}
#endif

}  // namespace

AutocastScope::AutocastScope(const std::string& dtype, c10::DeviceType device) : device_(device) {
  if (dtype == "none") return;
  if (dtype != "bf16" && dtype != "fp16")
    throw std::invalid_argument("AutocastScope: unknown dtype '" + dtype + "' (none, bf16 or fp16)");
  if (device != c10::kCUDA && !(device == c10::kCPU && dtype == "bf16"))
    throw std::invalid_argument("AutocastScope: " + dtype + " autocast is not supported on " +
                                c10::DeviceTypeName(device));
  was_enabled_ = autocast_enabled(device);
  was_dtype_ = autocast_dtype(device);
  set_dtype(device, dtype == "bf16" ? at::kBFloat16 : at::kHalf);
  set_autocast(device, true);
  at::autocast::increment_nesting();
  active_ = true;
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // torch.autocast's __exit__: the cast weights are cached for the outermost scope only.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_autocast(device_, was_enabled_);
  set_dtype(device_, was_dtype_);
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
