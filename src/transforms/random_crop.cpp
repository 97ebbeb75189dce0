// random_crop: optional padding (constant | edge | reflect | symmetric), then a uniformly
// placed [h, w] window. torchvision.transforms.RandomCrop.
#include <cmath>
#include <stdexcept>

#include "imgcls/errors.hpp"
#include "transforms/crop_map.hpp"
#include "transforms/image_ops.hpp"
#include "transforms/params.hpp"

namespace imgcls {
namespace {

// The padding: `padding` ([p], [left/right, top/bottom] or [left, top, right, bottom]) first,
// then pad_if_needed pads both sides of an axis of the padded image by what it lacks, as
// torchvision's RandomCrop does (two pad calls).
CropGeometry geometry(const TransformSpec& s, int64_t h, int64_t w) {
  CropGeometry g;
  g.in_h = h, g.in_w = w, g.out_h = s.size[0], g.out_w = s.size[1], g.padding_mode = s.padding_mode;
  const auto& p = s.padding;
  if (p.size() == 1) g.pad_l = g.pad_t = g.pad_r = g.pad_b = p[0];
  if (p.size() == 2) g.pad_l = g.pad_r = p[0], g.pad_t = g.pad_b = p[1];
  if (p.size() == 4) g.pad_l = p[0], g.pad_t = p[1], g.pad_r = p[2], g.pad_b = p[3];
  if (s.pad_if_needed && g.padded_w() < g.out_w) g.more_l = g.more_r = g.out_w - g.padded_w();
  if (s.pad_if_needed && g.padded_h() < g.out_h) g.more_t = g.more_b = g.out_h - g.padded_h();
  return g;
}

std::string too_small(int64_t h, int64_t w, const TransformSpec& s) {
  return "random_crop: the image is " + std::to_string(h) + "x" + std::to_string(w) + ", smaller than the crop " +
         std::to_string(s.size[0]) + "x" + std::to_string(s.size[1]) +
         " (use padding or pad_if_needed: true, or resize first)";
}

class RandomCrop final : public ImageTransform {
 public:
  explicit RandomCrop(const TransformSpec& s) : spec_(s) {}
  std::pair<int64_t, int64_t> out_size(int64_t, int64_t) const override { return {spec_.size[0], spec_.size[1]}; }
  cv::Mat apply(const cv::Mat& input, Rng& rng) const override {
    const auto g = geometry(spec_, input.rows, input.cols);
    const auto& mode = spec_.padding_mode;
    cv::Mat img = pad(input, int(g.pad_l), int(g.pad_t), int(g.pad_r), int(g.pad_b), mode, spec_.fill);
    img = pad(img, int(g.more_l), int(g.more_t), int(g.more_r), int(g.more_b), mode, spec_.fill);
    const int h = static_cast<int>(g.out_h), w = static_cast<int>(g.out_w);
    if (img.rows < h || img.cols < w) throw std::runtime_error(too_small(img.rows, img.cols, spec_));
    const int top = static_cast<int>(rng.randint(0, img.rows - h + 1));
    const int left = static_cast<int>(rng.randint(0, img.cols - w + 1));
    return img(cv::Rect(left, top, w, h));
  }

 private:
  TransformSpec spec_;
};

std::unique_ptr<CoordinateMap> random_crop_map(const TransformSpec& spec, int64_t h, int64_t w) {
  const auto g = geometry(spec, h, w);
  if (g.padded_h() < g.out_h || g.padded_w() < g.out_w)
    throw DataError(spec.where + ": " + too_small(g.padded_h(), g.padded_w(), spec));
  const bool pads_constant = spec.padding_mode == "constant" && g.padded_h() * g.padded_w() > h * w;
  return std::make_unique<CropMap>(g, true, 0, 0,
                                   pads_constant ? std::optional<int64_t>(std::lround(spec.fill)) : std::nullopt);
}

}  // namespace

const TransformDescriptor& random_crop_transform() {
  static const TransformDescriptor descriptor = [] {
    TransformDescriptor desc;
    desc.name = "random_crop";
    desc.summary = "optional padding, then a uniformly placed [h, w] window";
    desc.torchvision_name = "RandomCrop";
    desc.bare = "size";
    desc.params = {
        crop_size_param(),
        {"padding", false,
         [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
           t.padding = r.integers(n, {1, 2, 4}, 0,
                                  "a non-negative integer, [left/right, top/bottom] or [left, top, right, bottom]");
         },
         [](const TransformSpec& t) -> std::optional<std::string> {
           if (t.padding.empty()) return std::nullopt;
           return show_list(t.padding);
         }},
        {"pad_if_needed", false,
         [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) { t.pad_if_needed = r.boolean(n); },
         [](const TransformSpec& t) -> std::optional<std::string> { return t.pad_if_needed ? "true" : "false"; }},
        {"padding_mode", false,
         [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
           t.padding_mode = r.choice(n, {"constant", "edge", "reflect", "symmetric"});
         },
         [](const TransformSpec& t) -> std::optional<std::string> { return t.padding_mode; }},
        fill_param(),
    };
    desc.make_cpu = [](const TransformSpec& s) -> std::unique_ptr<ImageTransform> { return std::make_unique<RandomCrop>(s); };
    desc.make_coordinate_map = random_crop_map;
    desc.constant_fill = [](const TransformSpec& s) -> std::optional<double> {
      if (s.padding_mode != "constant") return std::nullopt;
      return s.fill;
    };
    return desc;
  }();
  return descriptor;
}

}  // namespace imgcls
