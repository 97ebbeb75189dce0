// color_jitter: brightness, contrast, saturation factors and a hue shift, each uniform in its
// range, applied in a random order. torchvision.transforms.ColorJitter.
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "transforms/params.hpp"

namespace imgcls {
namespace {

double gray_mean(const cv::Mat& img) {
  if (img.channels() == 1) return cv::mean(img)[0];
  cv::Mat gray;
  cv::cvtColor(img, gray, cv::COLOR_RGB2GRAY);
  return cv::mean(gray)[0];
}

class ColorJitter final : public ImageTransform {
 public:
  explicit ColorJitter(const TransformSpec& s) : spec_(s) {}
  cv::Mat apply(const cv::Mat& input, Rng& rng) const override {
    // torchvision: a random order of the four, then each factor drawn (b, c, s, h).
    int order[4] = {0, 1, 2, 3};
    for (int i = 3; i > 0; --i) std::swap(order[i], order[rng.randint(0, i + 1)]);
    const auto draw = [&](const std::vector<double>& range) { return range.empty() ? -1.0 : rng.uniform(range[0], range[1]); };
    const double b = draw(spec_.brightness), c = draw(spec_.contrast), s = draw(spec_.saturation);
    const double h = spec_.hue.empty() ? 0.0 : rng.uniform(spec_.hue[0], spec_.hue[1]);
    cv::Mat img = input.clone();
    for (int op : order) {
      if (op == 0 && b >= 0) img.convertTo(img, -1, b, 0);
      if (op == 1 && c >= 0) img.convertTo(img, -1, c, (1 - c) * gray_mean(img));
      if (op == 2 && s >= 0 && img.channels() == 3) {
        cv::Mat gray;
        cv::cvtColor(img, gray, cv::COLOR_RGB2GRAY);
        cv::cvtColor(gray, gray, cv::COLOR_GRAY2RGB);
        cv::addWeighted(img, s, gray, 1 - s, 0, img);
      }
      if (op == 3 && !spec_.hue.empty() && img.channels() == 3) img = shift_hue(img, h);
    }
    return img;
  }

 private:
  static cv::Mat shift_hue(const cv::Mat& img, double factor) {
    cv::Mat f, hsv;
    img.convertTo(f, CV_32F, 1.0 / 255);
    cv::cvtColor(f, hsv, cv::COLOR_RGB2HSV);  // H in [0, 360)
    const float shift = static_cast<float>(factor * 360.0);
    for (int y = 0; y < hsv.rows; ++y) {
      auto* row = hsv.ptr<cv::Vec3f>(y);
      for (int x = 0; x < hsv.cols; ++x) {
        float v = row[x][0] + shift;
        v -= 360.0f * std::floor(v / 360.0f);
        row[x][0] = v;
      }
    }
    cv::cvtColor(hsv, f, cv::COLOR_HSV2RGB);
    cv::Mat out;
    f.convertTo(out, CV_8U, 255.0);
    return out;
  }
  TransformSpec spec_;
};

// A factor: x -> [max(0, 1 - x), 1 + x], or [min, max] with 0 <= min <= max; [] = off.
template <std::vector<double> TransformSpec::*member>
ParamDescriptor factor_param(const char* name) {
  return {name, false,
          [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
            const std::string expected = "a non-negative number or [min, max] with 0 <= min <= max";
            auto v = r.numbers(n, 1, 2, expected);
            if (v.size() == 1) {
              if (v[0] < 0) r.bad(n, expected);
              v = {std::max(0.0, 1 - v[0]), 1 + v[0]};
            }
            if (v[0] < 0 || v[0] > v[1]) r.bad(n, expected);
            t.*member = v;
          },
          [](const TransformSpec& t) -> std::optional<std::string> {
            if ((t.*member).empty()) return std::nullopt;
            return show_list(t.*member);
          }};
}

}  // namespace

const TransformDescriptor& color_jitter_transform() {
  static const TransformDescriptor descriptor = [] {
    TransformDescriptor desc;
    desc.name = "color_jitter";
    desc.summary = "random brightness, contrast, saturation and hue, in a random order";
    desc.torchvision_name = "ColorJitter";
    desc.params = {factor_param<&TransformSpec::brightness>("brightness"),
                factor_param<&TransformSpec::contrast>("contrast"),
                factor_param<&TransformSpec::saturation>("saturation"),
                {"hue", false,
                 [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
                   const std::string expected = "a number in [0, 0.5] or [min, max] within [-0.5, 0.5]";
                   auto v = r.numbers(n, 1, 2, expected);
                   if (v.size() == 1) {
                     if (v[0] < 0 || v[0] > 0.5) r.bad(n, expected);
                     v = {-v[0], v[0]};
                   }
                   if (v[0] < -0.5 || v[1] > 0.5 || v[0] > v[1]) r.bad(n, expected);
                   t.hue = v;
                 },
                 [](const TransformSpec& t) -> std::optional<std::string> {
                   if (t.hue.empty()) return std::nullopt;
                   return show_list(t.hue);
                 }}};
    desc.make_cpu = [](const TransformSpec& s) -> std::unique_ptr<ImageTransform> { return std::make_unique<ColorJitter>(s); };
    return desc;
  }();
  return descriptor;
}

}  // namespace imgcls
