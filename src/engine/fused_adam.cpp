#include "engine/fused_adam.hpp"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <map>
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

// One step over every group: lazily created state (as torch::optim::Adam and AdamW create it), the step
// count raised, then `kernel(batch, options)` once per group and device/dtype.
template <class Options, class State, class Kernel>
void fused_step(std::vector<torch::optim::OptimizerParamGroup>& groups,
                ska::flat_hash_map<void*, std::unique_ptr<torch::optim::OptimizerParamState>>& state,
                const Kernel& kernel) {
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
    for (auto& [key, b] : batches) kernel(b, options);
  }
}

}  // namespace

at::Tensor FusedAdam::step(LossClosure closure) {
  at::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  fused_step<torch::optim::AdamOptions, torch::optim::AdamParamState>(
      param_groups_, state_, [](Batch& b, const torch::optim::AdamOptions& o) {
        at::_fused_adam_(b.params, b.grads, b.exp_avgs, b.exp_avg_sqs, b.max_exp_avg_sqs, b.steps, o.lr(),
                         std::get<0>(o.betas()), std::get<1>(o.betas()), o.weight_decay(), o.eps(), o.amsgrad(),
                         /*maximize=*/false);
      });
  return loss;
}

at::Tensor FusedAdamW::step(LossClosure closure) {
  at::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  fused_step<torch::optim::AdamWOptions, torch::optim::AdamWParamState>(
      param_groups_, state_, [](Batch& b, const torch::optim::AdamWOptions& o) {
        at::_fused_adamw_(b.params, b.grads, b.exp_avgs, b.exp_avg_sqs, b.max_exp_avg_sqs, b.steps, o.lr(),
                          std::get<0>(o.betas()), std::get<1>(o.betas()), o.weight_decay(), o.eps(), o.amsgrad(),
                          /*maximize=*/false);
      });
  return loss;
}

}  // namespace imgcls
