// center_crop: [h, w] from the centre (offsets rounded as torchvision); zero-padded when the
// image is smaller. torchvision.transforms.CenterCrop.
#include <algorithm>
#include <cmath>

#include "transforms/crop_map.hpp"
#include "transforms/image_ops.hpp"
#include "transforms/params.hpp"

namespace imgcls {
namespace {

// int(round(x)) with Python's round-half-to-even: torchvision's crop offsets.
int64_t round_half_even(double x) { return static_cast<int64_t>(std::nearbyint(x)); }

class CenterCrop final : public ImageTransform {
 public:
  explicit CenterCrop(const TransformSpec& s) : h_(static_cast<int>(s.size[0])), w_(static_cast<int>(s.size[1])) {}
  std::pair<int64_t, int64_t> out_size(int64_t, int64_t) const override { return {h_, w_}; }
  cv::Mat apply(const cv::Mat& input, Rng&) const override {
    cv::Mat img = input;
    if (h_ > img.rows || w_ > img.cols) {
      const int dw = std::max(0, w_ - img.cols), dh = std::max(0, h_ - img.rows);
      img = pad(img, dw / 2, dh / 2, (dw + 1) / 2, (dh + 1) / 2, "constant", 0);
    }
    const auto top = static_cast<int>(round_half_even((img.rows - h_) / 2.0));
    const auto left = static_cast<int>(round_half_even((img.cols - w_) / 2.0));
    return img(cv::Rect(left, top, w_, h_));
  }

 private:
  int h_, w_;
};

std::unique_ptr<CoordinateMap> center_crop_map(const TransformSpec& spec, int64_t h, int64_t w) {
  CropGeometry g;
  g.in_h = h, g.in_w = w, g.out_h = spec.size[0], g.out_w = spec.size[1];
  const auto dh = std::max<int64_t>(0, g.out_h - h), dw = std::max<int64_t>(0, g.out_w - w);
  g.pad_l = dw / 2, g.pad_r = (dw + 1) / 2, g.pad_t = dh / 2, g.pad_b = (dh + 1) / 2;
  const auto top = round_half_even((h + dh - g.out_h) / 2.0), left = round_half_even((w + dw - g.out_w) / 2.0);
  const bool pads = dh > 0 || dw > 0;
  return std::make_unique<CropMap>(g, false, top, left, pads ? std::optional<int64_t>(0) : std::nullopt);
}

}  // namespace

const TransformDescriptor& center_crop_transform() {
  static const TransformDescriptor descriptor = [] {
    TransformDescriptor desc;
    desc.name = "center_crop";
    desc.summary = "[h, w] from the centre, zero-padded when the image is smaller";
    desc.torchvision_name = "CenterCrop";
    desc.bare = "size";
    desc.params = {crop_size_param()};
    desc.make_cpu = [](const TransformSpec& s) -> std::unique_ptr<ImageTransform> { return std::make_unique<CenterCrop>(s); };
    desc.make_coordinate_map = center_crop_map;
    desc.constant_fill = [](const TransformSpec&) -> std::optional<double> { return 0.0; };
    return desc;
  }();
  return descriptor;
}

}  // namespace imgcls
