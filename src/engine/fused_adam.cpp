#include "engine/fused_adam.hpp"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <map>
#include <optional>
#include <tuple>
#include <utility>

namespace imgcls {

namespace {

// `t` in `param`'s layout: itself when the strides agree, otherwise a copy with them.
at::Tensor in_layout_of(const at::Tensor& param, const at::Tensor& t) {
  if (t.strides() == param.strides()) return t;
  return at::empty_like(param).copy_(t);
}

// The tensors of one kernel call: one device and dtype.
struct Batch {
  std::vector<at::Tensor> params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps;
};

// ATen's fused Adam and AdamW kernels (their overload with a plain learning rate).
using FusedKernel = void (*)(at::TensorList, at::TensorList, at::TensorList, at::TensorList, at::TensorList,
                             at::TensorList, double, double, double, double, double, bool, bool,
                             const std::optional<at::Tensor>&, const std::optional<at::Tensor>&);

// One step over every group: the closure's loss, lazily created state (as torch::optim::Adam
// and AdamW create it), the step count raised, then `kernel` once per group and device/dtype.
template <class Options, class State>
at::Tensor fused_step(std::vector<torch::optim::OptimizerParamGroup>& groups,
                      ska::flat_hash_map<void*, std::unique_ptr<torch::optim::OptimizerParamState>>& state,
                      const torch::optim::Optimizer::LossClosure& closure, FusedKernel kernel) {
  at::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  at::NoGradGuard no_grad;
  for (auto& group : groups) {
    const auto& options = static_cast<const Options&>(group.options());
    std::map<std::tuple<int, int, int>, Batch> batches;  // device type, index, dtype
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      TORCH_CHECK(!p.grad().is_sparse(), "Adam does not support sparse gradients");
      auto& slot = state[p.unsafeGetTensorImpl()];
      if (!slot) {
        auto s = std::make_unique<State>();
        s->exp_avg(at::zeros_like(p, at::MemoryFormat::Preserve));
        s->exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Preserve));
        if (options.amsgrad()) s->max_exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Preserve));
        slot = std::move(s);
      }
      auto& s = static_cast<State&>(*slot);
      s.exp_avg(in_layout_of(p, s.exp_avg()));
      s.exp_avg_sq(in_layout_of(p, s.exp_avg_sq()));
      if (options.amsgrad()) s.max_exp_avg_sq(in_layout_of(p, s.max_exp_avg_sq()));
      s.step(s.step() + 1);
      auto& b = batches[{static_cast<int>(p.device().type()), p.device().index(), static_cast<int>(p.scalar_type())}];
      b.params.push_back(p);
      b.grads.push_back(in_layout_of(p, p.grad()));
      b.exp_avgs.push_back(s.exp_avg());
      b.exp_avg_sqs.push_back(s.exp_avg_sq());
      if (options.amsgrad()) b.max_exp_avg_sqs.push_back(s.max_exp_avg_sq());
      // PyTorch keeps the count as a float32 tensor beside the parameter for the fused kernels.
      b.steps.push_back(
          at::scalar_tensor(static_cast<double>(s.step()), at::TensorOptions().dtype(at::kFloat).device(p.device())));
    }
    for (auto& [key, b] : batches)
      kernel(b.params, b.grads, b.exp_avgs, b.exp_avg_sqs, b.max_exp_avg_sqs, b.steps, options.lr(),
             std::get<0>(options.betas()), std::get<1>(options.betas()), options.weight_decay(), options.eps(),
             options.amsgrad(), /*maximize=*/false, std::nullopt, std::nullopt);
  }
  return loss;
}

}  // namespace

at::Tensor FusedAdam::step(LossClosure closure) {
  return fused_step<torch::optim::AdamOptions, torch::optim::AdamParamState>(
      param_groups_, state_, closure, static_cast<FusedKernel>(&at::_fused_adam_));
}

at::Tensor FusedAdamW::step(LossClosure closure) {
  return fused_step<torch::optim::AdamWOptions, torch::optim::AdamWParamState>(
      param_groups_, state_, closure, static_cast<FusedKernel>(&at::_fused_adamw_));
}

}  // namespace imgcls
