#include "models/batch_norm.hpp"

#include <ATen/ATen.h>
#include <torch/autograd.h>

#include <string>

#include "dist/collective.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {
namespace {

// The sum over the ranks, whose gradient is the sum over the ranks of the gradients: each
// rank's output feeds every rank's loss.
struct AllReduceSum : public torch::autograd::Function<AllReduceSum> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& t, int64_t dist) {
    ctx->saved_data["dist"] = dist;
    auto sum = t.detach().contiguous().clone();
    reinterpret_cast<Collective*>(dist)->sum(sum);
    return sum;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto sum = grads[0].contiguous().clone();
    reinterpret_cast<Collective*>(ctx->saved_data["dist"].toInt())->sum(sum);
    return {sum, at::Tensor()};
  }
};

}  // namespace

at::Tensor BatchNorm2dImpl::forward(const at::Tensor& x) {
  if (!dist_ || !is_training() || dist_->world_size() == 1) return torch::nn::BatchNorm2dImpl::forward(x);
  TORCH_CHECK(x.dim() == 4, "BatchNorm2d: expected a 4-d input, got ", x.dim(), "-d");
  const int64_t c = x.size(1), ranks = dist_->world_size(), rank = dist_->rank();
  const auto xf = x.to(at::kFloat);  // statistics in fp32, as autocast runs batch norm
  const auto n_local = static_cast<double>(x.numel() / c);
  // This rank's count, mean and sum of squared deviations (zeros for an empty share), in its
  // row of a ranks x (1 + 2c) table that the all-reduce fills in.
  const auto sum_local = xf.sum({0, 2, 3});
  const auto mean_local = n_local > 0 ? sum_local / n_local : sum_local;
  const auto m2_local = (xf - mean_local.view({1, c, 1, 1})).pow(2).sum({0, 2, 3});
  const auto row = at::cat({at::full({1}, n_local, sum_local.options()), mean_local, m2_local}).unsqueeze(0);
  const auto zeros = [&](int64_t rows) { return at::zeros({rows, 2 * c + 1}, row.options()); };
  const auto table = AllReduceSum::apply(at::cat({zeros(rank), row, zeros(ranks - rank - 1)}),
                                         reinterpret_cast<int64_t>(dist_));
  // Chan et al.'s combination of the ranks' (count, mean, M2).
  const auto counts = table.select(1, 0).detach().unsqueeze(1);  // ranks x 1
  const auto means = table.slice(1, 1, c + 1), m2s = table.slice(1, c + 1, 2 * c + 1);
  const double n = counts.sum().item<double>();
  if (n == 0) return x;  // every rank's share empty (a batch of skipped images): nothing to normalise
  if (n == 1)
    throw TrainError("BatchNorm2d with model.sync_batchnorm: expected more than one value per channel in the global "
                     "batch, got " + std::to_string(static_cast<int64_t>(n)));
  const auto mean = (counts * means).sum(0) / n;
  const auto var = (m2s.sum(0) + (counts * (means - mean).pow(2)).sum(0)) / n;  // biased, for normalising
  auto scale = (var + options.eps()).rsqrt();
  auto y_shift = -mean * scale;
  if (options.affine()) {
    y_shift = y_shift * weight + bias;
    scale = scale * weight;
  }
  const auto y = xf * scale.view({1, c, 1, 1}) + y_shift.view({1, c, 1, 1});
  if (options.track_running_stats()) {
    torch::NoGradGuard no_grad;
    num_batches_tracked += 1;
    const double momentum =
        options.momentum() ? *options.momentum() : 1.0 / static_cast<double>(num_batches_tracked.item<int64_t>());
    running_mean.mul_(1 - momentum).add_(mean.detach(), momentum);
    running_var.mul_(1 - momentum).add_(var.detach() * (n / (n - 1)), momentum);
  }
  return y.to(x.scalar_type());
}

int64_t sync_batchnorm(torch::nn::Module& model, Collective* dist) {
  int64_t count = 0;
  for (const auto& m : model.modules(/*include_self=*/true))
    if (auto* bn = m->as<BatchNorm2dImpl>()) bn->sync_over(dist), ++count;
  return count;
}

}  // namespace imgcls
