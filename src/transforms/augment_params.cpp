// The parameters of rand_augment, trivial_augment_wide and auto_augment that they share.
#include "transforms/augment_ops.hpp"
#include "transforms/params.hpp"
#include "util/strings.hpp"

namespace imgcls {

ParamDescriptor augment_interpolation_param() {
  return {"interpolation", false,
          [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
            t.interpolation = r.choice(n, {"nearest", "bilinear", "bicubic"});
          },
          [](const TransformSpec& t) -> std::optional<std::string> { return t.interpolation; }};
}

ParamDescriptor num_magnitude_bins_param() {
  return {"num_magnitude_bins", false,
          [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
            const std::string expected = "an integer >= 2 (the number of magnitude steps)";
            num_magnitude_bins(t) = r.integer(n, expected);
            if (num_magnitude_bins(t) < 2) r.bad(n, expected);
          },
          [](const TransformSpec& t) -> std::optional<std::string> { return std::to_string(num_magnitude_bins(t)); }};
}

void init_augment_params(TransformSpec& t) {
  t.num_ops = 2, t.magnitude = 9, t.num_magnitude_bins = 31;
  t.policy = "imagenet";
  t.interpolation = "nearest";
}

}  // namespace imgcls
