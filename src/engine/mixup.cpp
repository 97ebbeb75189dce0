#include "engine/mixup.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "data/rng.hpp"

namespace imgcls {
namespace {

constexpr double kPi = 3.14159265358979323846;

double standard_normal(Rng& rng) {                            // Box-Muller
  const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();  // u1 in (0, 1]
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
}

// Gamma(shape, 1), Marsaglia and Tsang (2000); shape < 1 through Gamma(shape + 1) x U^(1/shape).
double gamma_sample(Rng& rng, double shape) {
  if (shape < 1) {
    const double u = 1.0 - rng.uniform();
    return gamma_sample(rng, shape + 1) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = standard_normal(rng);
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = 1.0 - rng.uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

}  // namespace

double beta_sample(Rng& rng, double a) {
  const double x = gamma_sample(rng, a), y = gamma_sample(rng, a);
  return x + y > 0 ? x / (x + y) : 0.5;
}

MixParams cutmix_box(int64_t height, int64_t width, double lam, int64_t cy, int64_t cx) {
  const double ratio = std::sqrt(1.0 - lam);
  const auto cut_h = static_cast<int64_t>(static_cast<double>(height) * ratio);
  const auto cut_w = static_cast<int64_t>(static_cast<double>(width) * ratio);
  const auto clip = [](int64_t v, int64_t hi) { return std::min(std::max<int64_t>(v, 0), hi); };
  MixParams p;
  p.cutmix = true;
  p.y0 = clip(cy - cut_h / 2, height), p.y1 = clip(cy + cut_h / 2, height);
  p.x0 = clip(cx - cut_w / 2, width), p.x1 = clip(cx + cut_w / 2, width);
  // timm's correct_lam: the share of the image the box leaves in place.
  p.lam = 1.0 - static_cast<double>((p.y1 - p.y0) * (p.x1 - p.x0)) / static_cast<double>(height * width);
  return p;
}

MixParams draw_mix(const MixupConfig& c, int64_t height, int64_t width, Rng& rng) {
  MixParams p;
  if (!c.enabled() || rng.uniform() >= c.prob) return p;
  bool cutmix = c.cutmix_alpha > 0;
  if (c.mixup_alpha > 0 && c.cutmix_alpha > 0) cutmix = rng.uniform() < c.switch_prob;
  const double lam = beta_sample(rng, cutmix ? c.cutmix_alpha : c.mixup_alpha);
  if (!cutmix) {
    p.lam = lam;
    return p;
  }
  if (lam == 1.0) return p;  // timm: an unmixed batch
  const auto cy = rng.randint(0, height), cx = rng.randint(0, width);
  return cutmix_box(height, width, lam, cy, cx);
}

at::Tensor apply_mix(at::Tensor& images, const at::Tensor& labels, const MixParams& p, int64_t classes,
                     double smoothing) {
  const double off = smoothing / static_cast<double>(classes), on = 1.0 - smoothing + off;
  const auto options = images.options().dtype(at::kFloat);
  const auto one_hot = [&](const at::Tensor& y) {
    return at::full({y.size(0), classes}, off, options).scatter_(1, y.view({-1, 1}).to(at::kLong), on);
  };
  auto targets = one_hot(labels);
  if (p.lam == 1.0) return targets;
  const auto mirror = images.flip(0);
  if (p.cutmix) {
    using at::indexing::Slice;
    const std::vector<at::indexing::TensorIndex> box = {Slice(), Slice(), Slice(p.y0, p.y1), Slice(p.x0, p.x1)};
    images = images.clone();
    images.index_put_(box, mirror.index(box));
  } else {
    images = images * p.lam + mirror * (1.0 - p.lam);
  }
  return targets * p.lam + one_hot(labels.flip(0)) * (1.0 - p.lam);
}

void MixupHook::before_forward(StepInputs& in, int64_t epoch, int64_t step) {
  // A stream of its own: the transforms' seeds use sample indices >= 0.
  Rng rng(sample_seed(seed_, epoch, -step));
  const auto p = draw_mix(config_, in.images.size(2), in.images.size(3), rng);
  in.targets = apply_mix(in.images, in.labels, p, classes_, smoothing_);
}

}  // namespace imgcls
