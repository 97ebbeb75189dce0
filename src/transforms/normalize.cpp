// normalize: (x / 255 - mean) / std per channel, on the float tensor (ToTensor + Normalize);
// must be the last item. The Pipeline and DeviceBatches apply it from mean() and std().
#include "transforms/params.hpp"

namespace imgcls {
namespace {

template <std::vector<double> TransformSpec::*member>
ParamDescriptor channel_values_param(const char* name, bool positive) {
  return {name, true,
          positive ? +[](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
            const std::string expected = "a positive number or a list of positive numbers, one per channel";
            t.*member = r.numbers(n, 1, 4, expected);
            for (double s : t.*member)
              if (s <= 0) r.bad(n, expected);
          }
                   : +[](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
                       t.*member = r.numbers(n, 1, 4, "a number or a list of numbers, one per channel");
                     },
          [](const TransformSpec& t) -> std::optional<std::string> { return show_list(t.*member); }};
}

}  // namespace

const TransformDescriptor& normalize_transform() {
  static const TransformDescriptor descriptor = [] {
    TransformDescriptor desc;
    desc.name = "normalize";
    desc.summary = "(x / 255 - mean) / std per channel; the last item";
    desc.torchvision_name = "Normalize";
    desc.params = {channel_values_param<&TransformSpec::mean>("mean", false),
                channel_values_param<&TransformSpec::std>("std", true)};
    desc.check = [](const TransformSpec& t, int line, const std::string& subkey) {
      if (t.mean.size() != t.std.size() && t.mean.size() != 1 && t.std.size() != 1)
        throw TransformListError{line, subkey, "mean and std of the same length (one value per channel)",
                                 show_list(t.mean) + " and " + show_list(t.std)};
    };
    desc.on_tensor = true;
    desc.constant_fill = nullptr;
    desc.make_coordinate_map = nullptr;
    return desc;
  }();
  return descriptor;
}

}  // namespace imgcls
