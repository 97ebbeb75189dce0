// auto_augment: one of the policy's 25 sub-policies drawn uniformly; each of its two ops runs
// with its probability at its fixed magnitude bin (of 10), signed ops negated with
// probability 1/2. torchvision.transforms.AutoAugment (the ops and policies: augment_ops.cpp).
#include "transforms/augment_ops.hpp"
#include "transforms/params.hpp"

namespace imgcls {
namespace {

class AutoAugment final : public ImageTransform {
 public:
  explicit AutoAugment(const TransformSpec& s) : spec_(s), policy_(auto_augment_policy(policy(s))) {}
  cv::Mat apply(const cv::Mat& input, Rng& rng) const override {
    // torchvision's get_params: the sub-policy, two probabilities, two signs, in this order.
    const auto& sub = policy_[static_cast<std::size_t>(rng.randint(0, static_cast<int64_t>(policy_.size())))];
    const double probs[2] = {rng.uniform(), rng.uniform()};
    const int64_t signs[2] = {rng.randint(0, 2), rng.randint(0, 2)};
    const auto space = auto_augment_space(input.rows, input.cols);
    cv::Mat img = input;
    int i = 0;
    for (const auto* step : {&sub.first, &sub.second}) {
      if (probs[i] <= step->p) {
        for (const auto& op : space) {
          if (op.op != step->op) continue;
          double magnitude =
              step->magnitude_bin >= 0 ? op.magnitudes[static_cast<std::size_t>(step->magnitude_bin)] : 0.0;
          if (op.is_signed && signs[i] == 0) magnitude = -magnitude;
          img = apply_augment_op(img, op.op, magnitude, spec_.interpolation, spec_.fill);
        }
      }
      ++i;
    }
    return img.data == input.data ? input.clone() : img;
  }

 private:
  TransformSpec spec_;
  const std::vector<SubPolicy>& policy_;
};

}  // namespace

const TransformDescriptor& auto_augment_transform() {
  static const TransformDescriptor descriptor = [] {
    TransformDescriptor desc;
    desc.name = "auto_augment";
    desc.summary = "a random sub-policy (two ops with their probabilities) of a learned AutoAugment policy";
    desc.torchvision_name = "AutoAugment";
    desc.bare = "policy";
    desc.params = {{"policy", false,
                    [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
                      policy(t) = r.choice(n, {"imagenet", "cifar10", "svhn"});
                    },
                    [](const TransformSpec& t) -> std::optional<std::string> { return policy(t); }},
                   augment_interpolation_param(),
                   fill_param()};
    desc.init = init_augment_params;
    desc.make_cpu = [](const TransformSpec& s) -> std::unique_ptr<ImageTransform> {
      return std::make_unique<AutoAugment>(s);
    };
    return desc;
  }();
  return descriptor;
}

}  // namespace imgcls
