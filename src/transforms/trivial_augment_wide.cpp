// trivial_augment_wide: one op drawn uniformly from TrivialAugment's 14 (wide ranges), at a
// magnitude bin drawn uniformly, signed ops negated with probability 1/2.
// torchvision.transforms.TrivialAugmentWide (the ops: augment_ops.cpp).
#include "transforms/augment_ops.hpp"
#include "transforms/params.hpp"

namespace imgcls {
namespace {

class TrivialAugmentWide final : public ImageTransform {
 public:
  explicit TrivialAugmentWide(const TransformSpec& s)
      : spec_(s), space_(trivial_augment_wide_space(num_magnitude_bins(s))) {}
  cv::Mat apply(const cv::Mat& input, Rng& rng) const override {
    const auto& op = space_[static_cast<std::size_t>(rng.randint(0, static_cast<int64_t>(space_.size())))];
    double magnitude = 0.0;
    if (!op.magnitudes.empty())
      magnitude = op.magnitudes[static_cast<std::size_t>(rng.randint(0, static_cast<int64_t>(op.magnitudes.size())))];
    if (op.is_signed && rng.randint(0, 2) == 1) magnitude = -magnitude;
    return apply_augment_op(input, op.op, magnitude, spec_.interpolation, spec_.fill);
  }

 private:
  TransformSpec spec_;
  std::vector<OpSpace> space_;
};

}  // namespace

const TransformDescriptor& trivial_augment_wide_transform() {
  static const TransformDescriptor descriptor = [] {
    TransformDescriptor desc;
    desc.name = "trivial_augment_wide";
    desc.summary = "one random op of TrivialAugment's 14 at a random magnitude bin, random sign";
    desc.torchvision_name = "TrivialAugmentWide";
    desc.params = {num_magnitude_bins_param(), augment_interpolation_param(), fill_param()};
    desc.init = init_augment_params;
    desc.make_cpu = [](const TransformSpec& s) -> std::unique_ptr<ImageTransform> {
      return std::make_unique<TrivialAugmentWide>(s);
    };
    return desc;
  }();
  return descriptor;
}

}  // namespace imgcls
