// grayscale: ITU-R 601 luma, 1 or 3 output channels. torchvision.transforms.Grayscale.
#include <opencv2/imgproc.hpp>

#include "transforms/params.hpp"

namespace imgcls {
namespace {

class Grayscale final : public ImageTransform {
 public:
  explicit Grayscale(int64_t channels) : channels_(channels) {}
  cv::Mat apply(const cv::Mat& img, Rng&) const override {
    cv::Mat gray = img;
    if (img.channels() == 3) cv::cvtColor(img, gray, cv::COLOR_RGB2GRAY);
    if (channels_ == 1) return gray;
    cv::Mat out;
    cv::cvtColor(gray, out, cv::COLOR_GRAY2RGB);
    return out;
  }

 private:
  int64_t channels_;
};

}  // namespace

const TransformDescriptor& grayscale_transform() {
  static const TransformDescriptor descriptor = [] {
    TransformDescriptor desc;
    desc.name = "grayscale";
    desc.summary = "ITU-R 601 luma, 1 or 3 output channels";
    desc.torchvision_name = "Grayscale";
    desc.bare = "num_output_channels";
    desc.params = {{"num_output_channels", false,
                 [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
                   t.num_output_channels = r.integer(n, "1 or 3");
                   if (t.num_output_channels != 1 && t.num_output_channels != 3) r.bad(n, "1 or 3");
                 },
                 [](const TransformSpec& t) -> std::optional<std::string> {
                   return std::to_string(t.num_output_channels);
                 }}};
    desc.out_channels = [](const TransformSpec& s, int64_t) { return s.num_output_channels; };
    desc.make_cpu = [](const TransformSpec& s) -> std::unique_ptr<ImageTransform> {
      return std::make_unique<Grayscale>(s.num_output_channels);
    };
    return desc;
  }();
  return descriptor;
}

}  // namespace imgcls
