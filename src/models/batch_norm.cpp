#include "models/batch_norm.hpp"

#include <ATen/ATen.h>
#include <torch/autograd.h>

#include <string>
#include <vector>

#include "dist/collective.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {
namespace {

// The global batch's statistics, for the running ones: mean, biased variance and count (none
// when every rank's share was empty).
struct GlobalStats {
  at::Tensor mean, var;
  double count = 0;
};

// Batch normalisation over the ranks' global batch, with torch.nn.SyncBatchNorm's gradient
// (torch/nn/modules/_functions.py). Statistics and gradient sums in fp32 whatever the input's
// dtype (LibTorch's CPU batch norm reads bf16 input with fp32 parameters), each one fused pass:
// - forward: this rank's per-channel mean and biased variance (LibTorch's batch norm in
//   training mode with eps 0, its output unused: 3-12x faster than at::var_mean on a CPU); the
//   ranks' (count, mean, M2) all-reduced and combined as Chan's parallel variance; the output
//   is LibTorch's batch norm with those statistics;
// - backward: this rank's sums of dy and dy * x_hat (LibTorch's batch-norm backward), all-
//   reduced; dx = w * invstd * (dy - mean(dy) - x_hat * mean(dy * x_hat)) over the global batch,
//   as (a dy + c) + b x per channel, in the input's dtype. The weight and bias get this rank's
//   sums, as SyncBatchNorm's: the data-parallel all-reduce then adds them up with every other
//   gradient.
struct SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight,
                            const at::Tensor& bias, Collective* dist, double eps, GlobalStats* stats) {
    ctx->saved_data["dist"] = reinterpret_cast<int64_t>(dist);
    ctx->saved_data["n"] = 0.0;
    const int64_t c = x.size(1), ranks = dist->world_size();
    const auto f32 = x.options().dtype(at::kFloat).memory_format(at::MemoryFormat::Contiguous);
    const double n_local = static_cast<double>(x.numel() / c);
    // This rank's row of a ranks x (1 + 2c) table of (count, mean, M2); zeros for an empty share.
    auto table = at::zeros({ranks, 2 * c + 1}, f32);
    if (n_local > 0) {
      const auto stats_local = at::native_batch_norm(x, at::ones({c}, f32), at::zeros({c}, f32), {}, {},
                                                     /*training=*/true, 0.0, /*eps=*/0.0);
      auto row = table[dist->rank()];
      row[0] = n_local;
      row.slice(0, 1, c + 1).copy_(std::get<1>(stats_local));
      row.slice(0, c + 1, 2 * c + 1).copy_(std::get<2>(stats_local).pow(-2) * n_local);  // 1 / invstd^2 = variance
    }
    dist->sum(table);
    const auto counts = table.select(1, 0).unsqueeze(1);  // ranks x 1
    const auto means = table.slice(1, 1, c + 1), m2s = table.slice(1, c + 1, 2 * c + 1);
    const double n = counts.sum().item<double>();
    if (n == 0) return x.clone();  // every rank's share empty (a batch of skipped images): nothing to normalise
    if (n == 1)
      throw TrainError(
          "BatchNorm2d with model.sync_batchnorm: expected more than one value per channel in the global "
          "batch, got " +
          std::to_string(static_cast<int64_t>(n)));
    const auto mean = (counts * means).sum(0) / n;
    const auto var = (m2s.sum(0) + (counts * (means - mean).pow(2)).sum(0)) / n;  // biased, for normalising
    *stats = {mean, var, n};
    ctx->saved_data["n"] = n;
    ctx->save_for_backward({x, weight, mean, (var + eps).rsqrt()});
    return at::batch_norm(x, weight, bias, mean, var, /*training=*/false, 0.0, eps, /*cudnn_enabled=*/true);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const double n = ctx->saved_data["n"].toDouble();
    const auto none = at::Tensor();
    if (n == 0) return {grads[0], none, none, none, none, none};  // forward was the identity on every rank
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &mean = saved[2], &invstd = saved[3];
    const bool affine = saved[1].defined();
    const auto weight = affine ? saved[1] : at::ones_like(mean);
    const auto dy = grads[0].to(x.scalar_type());
    // This rank's sum(dy * x_hat) and sum(dy) per channel (zeros for an empty share).
    at::Tensor sum_dy_xhat = at::zeros_like(mean), sum_dy = at::zeros_like(mean);
    if (x.numel() > 0)
      std::tie(std::ignore, sum_dy_xhat, sum_dy) =
          at::native_batch_norm_backward(dy, x, weight, {}, {}, mean, invstd, /*train=*/true, 0.0, {false, true, true});
    std::vector<at::Tensor> global{sum_dy_xhat.clone(), sum_dy.clone()};
    reinterpret_cast<Collective*>(ctx->saved_data["dist"].toInt())->sum(global);
    const auto a = weight * invstd;
    const auto b = -a * invstd * (global[0] / n);
    const auto c = -a * (global[1] / n) - b * mean;
    // a dy + c and b x, each one pass of LibTorch's batch norm in eval mode (mean 0, variance 1,
    // eps 0: weight x + bias), which reads bf16 with fp32 factors; ATen's own mixed-dtype
    // elementwise operations take 5x as long here.
    const auto zeros = at::zeros_like(mean), ones = at::ones_like(mean);
    auto dx = at::batch_norm(dy, a, c, zeros, ones, /*training=*/false, 0.0, /*eps=*/0.0, /*cudnn_enabled=*/true);
    dx.add_(at::batch_norm(x, b, zeros, zeros, ones, /*training=*/false, 0.0, /*eps=*/0.0, /*cudnn_enabled=*/true));
    return {dx, affine ? sum_dy_xhat : none, affine ? sum_dy : none, none, none, none};
  }
};

}  // namespace

at::Tensor BatchNorm2dImpl::forward(const at::Tensor& x) {
  if (!dist_ || !is_training() || dist_->world_size() == 1) return torch::nn::BatchNorm2dImpl::forward(x);
  TORCH_CHECK(x.dim() == 4, "BatchNorm2d: expected a 4-d input, got ", x.dim(), "-d");
  GlobalStats stats;
  const auto y = SyncBatchNormFunction::apply(x, options.affine() ? weight : at::Tensor(),
                                              options.affine() ? bias : at::Tensor(), dist_, options.eps(), &stats);
  if (options.track_running_stats() && stats.count > 0) {
    torch::NoGradGuard no_grad;
    num_batches_tracked += 1;
    const double momentum =
        options.momentum() ? *options.momentum() : 1.0 / static_cast<double>(num_batches_tracked.item<int64_t>());
    running_mean.mul_(1 - momentum).add_(stats.mean, momentum);
    running_var.mul_(1 - momentum).add_(stats.var * (stats.count / (stats.count - 1)), momentum);
  }
  return y;
}

int64_t sync_batchnorm(torch::nn::Module& model, Collective* dist) {
  int64_t count = 0;
  for (const auto& m : model.modules(/*include_self=*/true))
    if (auto* bn = m->as<BatchNorm2dImpl>()) bn->sync_over(dist), ++count;
  return count;
}

}  // namespace imgcls
