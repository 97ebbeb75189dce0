// train.mixup: timm's Mixup (timm/data/mixup.py), mode batch, as a TrainHook on the device
// batch (before_forward), so it works the same with loader batches and device-resident ones.
//
// Per batch: with probability `prob`, a lambda from Beta(alpha, alpha) (with both alphas > 0,
// cutmix with probability switch_prob, else mixup); each image is mixed with the batch's
// mirror image (images.flip(0)):
//   mixup   x = lam * x + (1 - lam) * x.flip(0)
//   cutmix  a box of side sqrt(1 - lam) x the image's, centred uniformly (clipped at the
//           edges), pasted from x.flip(0); lam corrected to 1 - box area / image area
// and the targets are the label-smoothed one-hot vectors mixed the same way:
//   off = smoothing / C, on = 1 - smoothing + off
//   targets = lam * one_hot(y, on, off) + (1 - lam) * one_hot(y.flip(0), on, off)
// (train.label_smoothing is folded into them; the loss is then plain soft-target
// cross-entropy.) The draws come from Rng(sample_seed(seed, epoch, -step)): the same batches
// for any worker count and after a resume, mid-epoch included, with no state to save.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <utility>

#include "engine/train_hooks.hpp"
#include "imgcls/config/config.hpp"

namespace imgcls {

class Rng;

// One batch's draw (timm's _params_per_batch and cutmix_bbox_and_lam).
struct MixParams {
  double lam = 1.0;  // 1: the batch is not mixed (its targets are still smoothed)
  bool cutmix = false;
  int64_t y0 = 0, y1 = 0, x0 = 0, x1 = 0;  // cutmix: the box, rows [y0, y1) x columns [x0, x1)
};

// A Beta(a, a) draw (Marsaglia-Tsang gamma variates), a > 0.
double beta_sample(Rng& rng, double a);

// timm's rand_bbox for a box centred at (cy, cx): its corners, clipped to the image.
MixParams cutmix_box(int64_t height, int64_t width, double lam, int64_t cy, int64_t cx);

// The draw of one batch of height x width images.
MixParams draw_mix(const MixupConfig& config, int64_t height, int64_t width, Rng& rng);

// Mixes `images` [N, C, H, W] in place as `p` says; returns the soft targets [N, classes]
// (float, on the images' device).
at::Tensor apply_mix(at::Tensor& images, const at::Tensor& labels, const MixParams& p, int64_t classes,
                     double smoothing);

class MixupHook final : public TrainHook {
 public:
  MixupHook(MixupConfig config, int64_t classes, double label_smoothing, uint64_t seed)
      : config_(std::move(config)), classes_(classes), smoothing_(label_smoothing), seed_(seed) {}
  void before_forward(StepInputs& inputs, int64_t epoch, int64_t step) override;

 private:
  MixupConfig config_;
  int64_t classes_;
  double smoothing_;
  uint64_t seed_;
};

}  // namespace imgcls
