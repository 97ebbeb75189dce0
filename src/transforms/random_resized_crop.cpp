// random_resized_crop: torchvision's area/aspect sampling (10 tries, then a centre crop),
// resized to [h, w]. torchvision.transforms.RandomResizedCrop.
#include <algorithm>
#include <cmath>

#include "transforms/image_ops.hpp"
#include "transforms/params.hpp"

namespace imgcls {
namespace {

class RandomResizedCrop final : public ImageTransform {
 public:
  explicit RandomResizedCrop(const TransformSpec& s) : spec_(s) {}
  std::pair<int64_t, int64_t> out_size(int64_t, int64_t) const override { return {spec_.size[0], spec_.size[1]}; }
  cv::Mat apply(const cv::Mat& img, Rng& rng) const override {
    const cv::Rect r = window(img.rows, img.cols, rng);
    return resize_to(img(r), static_cast<int>(spec_.size[0]), static_cast<int>(spec_.size[1]), spec_.interpolation);
  }

 private:
  // torchvision's RandomResizedCrop.get_params.
  cv::Rect window(int height, int width, Rng& rng) const {
    const double area = static_cast<double>(height) * width;
    const double log_lo = std::log(spec_.ratio[0]), log_hi = std::log(spec_.ratio[1]);
    for (int attempt = 0; attempt < 10; ++attempt) {
      const double target_area = area * rng.uniform(spec_.scale[0], spec_.scale[1]);
      const double aspect = std::exp(rng.uniform(log_lo, log_hi));
      // Compared as doubles before the conversion: an extreme ratio or scale (ratio: [1e-200,
      // 1e200]) gives sizes far beyond int (undefined behaviour, found by fuzzing) or NaN.
      const double wd = std::nearbyint(std::sqrt(target_area * aspect));
      const double hd = std::nearbyint(std::sqrt(target_area / aspect));
      if (wd > 0 && wd <= width && hd > 0 && hd <= height) {
        const int w = static_cast<int>(wd), h = static_cast<int>(hd);
        const int top = static_cast<int>(rng.randint(0, height - h + 1));
        const int left = static_cast<int>(rng.randint(0, width - w + 1));
        return {left, top, w, h};
      }
    }
    const double in_ratio = static_cast<double>(width) / height;
    int w = width, h = height;
    if (in_ratio < spec_.ratio[0]) h = static_cast<int>(std::nearbyint(w / spec_.ratio[0]));
    else if (in_ratio > spec_.ratio[1]) w = static_cast<int>(std::nearbyint(h * spec_.ratio[1]));
    h = std::min(h, height), w = std::min(w, width);
    return {(width - w) / 2, (height - h) / 2, w, h};
  }

  TransformSpec spec_;
};

// [min, max] with 0 < min <= max, into `member`.
template <std::vector<double> TransformSpec::*member>
ParamDescriptor range_param(const char* name, const char* expected) {
  static const std::string expected_text = expected;
  return {name, false,
          [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
            auto v = r.numbers(n, 2, 2, expected_text);
            if (v[0] <= 0 || v[0] > v[1]) r.bad(n, expected_text);
            t.*member = std::move(v);
          },
          [](const TransformSpec& t) -> std::optional<std::string> { return show_list(t.*member); }};
}

}  // namespace

const TransformDescriptor& random_resized_crop_transform() {
  static const TransformDescriptor descriptor = [] {
    TransformDescriptor desc;
    desc.name = "random_resized_crop";
    desc.summary = "a random area and aspect ratio, resized to [h, w]";
    desc.torchvision_name = "RandomResizedCrop";
    desc.bare = "size";
    desc.params = {crop_size_param(),
                range_param<&TransformSpec::scale>("scale", "[min, max] with 0 < min <= max"),
                range_param<&TransformSpec::ratio>("ratio", "[min, max] aspect ratios with 0 < min <= max"),
                resize_interpolation_param()};
    desc.make_cpu = [](const TransformSpec& s) -> std::unique_ptr<ImageTransform> {
      return std::make_unique<RandomResizedCrop>(s);
    };
    return desc;
  }();
  return descriptor;
}

}  // namespace imgcls
