// resize: size s: the shorter side to s (aspect kept, the longer side truncated as torchvision
// does); [h, w]: exactly. torchvision.transforms.Resize.
#include "transforms/image_ops.hpp"
#include "transforms/params.hpp"

namespace imgcls {
namespace {

class Resize final : public ImageTransform {
 public:
  explicit Resize(const TransformSpec& s) : size_(s.size), interpolation_(s.interpolation) {}
  std::pair<int64_t, int64_t> out_size(int64_t h, int64_t w) const override {
    if (size_.size() == 2) return {size_[0], size_[1]};
    if (h < 0 || w < 0) return {-1, -1};
    // torchvision: the shorter side becomes `size`, the longer int(size * long / short).
    const int64_t s = size_[0];
    if (w <= h) return {static_cast<int64_t>(static_cast<double>(s) * h / w), s};
    return {s, static_cast<int64_t>(static_cast<double>(s) * w / h)};
  }
  cv::Mat apply(const cv::Mat& img, Rng&) const override {
    const auto [h, w] = out_size(img.rows, img.cols);
    return resize_to(img, static_cast<int>(h), static_cast<int>(w), interpolation_);
  }

 private:
  std::vector<int64_t> size_;
  std::string interpolation_;
};

}  // namespace

const TransformDescriptor& resize_transform() {
  static const TransformDescriptor descriptor = [] {
    TransformDescriptor desc;
    desc.name = "resize";
    desc.summary = "size s: the shorter side to s (aspect kept); [h, w]: exactly";
    desc.torchvision_name = "Resize";
    desc.bare = "size";
    desc.params = {{"size", true,
                 [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
                   t.size = r.integers(n, {1, 2}, 1, "a positive integer (the shorter side) or [height, width]");
                 },
                 [](const TransformSpec& t) -> std::optional<std::string> { return show_list(t.size); }},
                resize_interpolation_param()};
    desc.make_cpu = [](const TransformSpec& s) -> std::unique_ptr<ImageTransform> { return std::make_unique<Resize>(s); };
    return desc;
  }();
  return descriptor;
}

}  // namespace imgcls
