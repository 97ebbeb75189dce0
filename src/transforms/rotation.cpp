// rotation: by an angle uniform in [min, max] degrees, counter-clockwise, about the centre,
// same size, corners filled with `fill`. torchvision.transforms.RandomRotation.
#include <opencv2/imgproc.hpp>

#include "transforms/image_ops.hpp"
#include "transforms/params.hpp"

namespace imgcls {
namespace {

class Rotation final : public ImageTransform {
 public:
  explicit Rotation(const TransformSpec& s) : spec_(s) {}
  cv::Mat apply(const cv::Mat& img, Rng& rng) const override {
    const double angle = rng.uniform(spec_.degrees[0], spec_.degrees[1]);
    const cv::Point2f center(static_cast<float>((img.cols - 1) * 0.5), static_cast<float>((img.rows - 1) * 0.5));
    const cv::Mat m = cv::getRotationMatrix2D(center, angle, 1.0);
    cv::Mat out;
    cv::warpAffine(img, out, m, img.size(), interpolation_flag(spec_.interpolation, false), cv::BORDER_CONSTANT,
                   cv::Scalar::all(spec_.fill));
    return out;
  }

 private:
  TransformSpec spec_;
};

}  // namespace

const TransformDescriptor& rotation_transform() {
  static const TransformDescriptor descriptor = [] {
    TransformDescriptor desc;
    desc.name = "rotation";
    desc.summary = "by an angle uniform in [min, max] degrees, corners filled with fill";
    desc.torchvision_name = "RandomRotation";
    desc.bare = "degrees";
    desc.params = {{"degrees", true,
                 [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
                   const std::string expected = "a non-negative number d (for [-d, d]) or [min, max]";
                   auto v = r.numbers(n, 1, 2, expected);
                   if (v.size() == 1) {
                     if (v[0] < 0) r.bad(n, expected);
                     v = {-v[0], v[0]};
                   }
                   if (v[0] > v[1]) r.bad(n, expected);
                   t.degrees = v;
                 },
                 [](const TransformSpec& t) -> std::optional<std::string> { return show_list(t.degrees); }},
                interpolation_param(),
                fill_param()};
    desc.init = [](TransformSpec& t) { t.interpolation = "nearest"; };  // torchvision's RandomRotation default
    desc.make_cpu = [](const TransformSpec& s) -> std::unique_ptr<ImageTransform> { return std::make_unique<Rotation>(s); };
    return desc;
  }();
  return descriptor;
}

}  // namespace imgcls
