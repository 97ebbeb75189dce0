// rand_augment: num_ops operations drawn uniformly (with replacement) from RandAugment's 14,
// each at the one magnitude bin `magnitude` of num_magnitude_bins, signed ops negated with
// probability 1/2. torchvision.transforms.RandAugment (the ops: augment_ops.cpp).
#include "transforms/augment_ops.hpp"
#include "transforms/params.hpp"

namespace imgcls {
namespace {

class RandAugment final : public ImageTransform {
 public:
  explicit RandAugment(const TransformSpec& s) : spec_(s) {}
  cv::Mat apply(const cv::Mat& input, Rng& rng) const override {
    const auto space = rand_augment_space(num_magnitude_bins(spec_), input.rows, input.cols);
    cv::Mat img = input;
    for (int64_t k = 0; k < num_ops(spec_); ++k) {
      const auto& op = space[static_cast<std::size_t>(rng.randint(0, static_cast<int64_t>(space.size())))];
      double m = op.magnitudes.empty() ? 0.0 : op.magnitudes[static_cast<std::size_t>(magnitude(spec_))];
      if (op.is_signed && rng.randint(0, 2) == 1) m = -m;
      img = apply_augment_op(img, op.op, m, spec_.interpolation, spec_.fill);
    }
    return img.data == input.data ? input.clone() : img;
  }

 private:
  TransformSpec spec_;
};

}  // namespace

const TransformDescriptor& rand_augment_transform() {
  static const TransformDescriptor descriptor = [] {
    TransformDescriptor desc;
    desc.name = "rand_augment";
    desc.summary = "num_ops random ops of RandAugment's 14 at one magnitude bin, random signs";
    desc.torchvision_name = "RandAugment";
    desc.params = {{"num_ops", false,
                    [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
                      num_ops(t) = r.integer(n, "a non-negative integer");
                      if (num_ops(t) < 0) r.bad(n, "a non-negative integer");
                    },
                    [](const TransformSpec& t) -> std::optional<std::string> { return std::to_string(num_ops(t)); }},
                   {"magnitude", false,
                    [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
                      magnitude(t) = r.integer(n, "an integer bin in [0, num_magnitude_bins - 1]");
                    },
                    [](const TransformSpec& t) -> std::optional<std::string> { return std::to_string(magnitude(t)); }},
                   num_magnitude_bins_param(),
                   augment_interpolation_param(),
                   fill_param()};
    desc.init = init_augment_params;
    desc.check = [](const TransformSpec& t, int line, const std::string& subkey) {
      if (magnitude(t) < 0 || magnitude(t) >= num_magnitude_bins(t))
        throw TransformListError{line, subkey + ".magnitude",
                                 "an integer bin in [0, " + std::to_string(num_magnitude_bins(t) - 1) +
                                     "] (num_magnitude_bins is " + std::to_string(num_magnitude_bins(t)) + ")",
                                 std::to_string(magnitude(t))};
    };
    desc.make_cpu = [](const TransformSpec& s) -> std::unique_ptr<ImageTransform> {
      return std::make_unique<RandAugment>(s);
    };
    return desc;
  }();
  return descriptor;
}

}  // namespace imgcls
