#include "data/transforms.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace imgcls {
namespace {

int interpolation_flag(const std::string& name, bool downscale) {
  if (name == "nearest") return cv::INTER_NEAREST;
  if (name == "bicubic") return cv::INTER_CUBIC;
  if (name == "area") return cv::INTER_AREA;
  return downscale ? cv::INTER_AREA : cv::INTER_LINEAR;  // bilinear; AREA ~ antialiased bilinear
}

cv::Mat resize_to(const cv::Mat& img, int h, int w, const std::string& interpolation) {
  if (img.rows == h && img.cols == w) return img;
  cv::Mat out;
  cv::resize(img, out, cv::Size(w, h), 0, 0, interpolation_flag(interpolation, h <= img.rows && w <= img.cols));
  return out;
}

cv::Mat pad(const cv::Mat& img, int left, int top, int right, int bottom, const std::string& mode, double fill) {
  if (left == 0 && top == 0 && right == 0 && bottom == 0) return img;
  int border = cv::BORDER_CONSTANT;
  if (mode == "edge") border = cv::BORDER_REPLICATE;
  if (mode == "reflect") border = cv::BORDER_REFLECT_101;  // torchvision's reflect: edge not repeated
  if (mode == "symmetric") border = cv::BORDER_REFLECT;    // edge repeated
  cv::Mat out;
  cv::copyMakeBorder(img, out, top, bottom, left, right, border, cv::Scalar::all(fill));
  return out;
}

}  // namespace

class Transform {
 public:
  virtual ~Transform() = default;
  virtual cv::Mat apply(const cv::Mat& img, Rng& rng) const = 0;
  virtual std::pair<int64_t, int64_t> out_size(int64_t h, int64_t w) const { return {h, w}; }
  virtual int64_t out_channels(int64_t c) const { return c; }
};

namespace {

class Resize final : public Transform {
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

class CenterCrop final : public Transform {
 public:
  explicit CenterCrop(const TransformSpec& s) : h_(static_cast<int>(s.size[0])), w_(static_cast<int>(s.size[1])) {}
  std::pair<int64_t, int64_t> out_size(int64_t, int64_t) const override { return {h_, w_}; }
  cv::Mat apply(const cv::Mat& input, Rng&) const override {
    cv::Mat img = input;
    if (h_ > img.rows || w_ > img.cols) {
      const int dw = std::max(0, w_ - img.cols), dh = std::max(0, h_ - img.rows);
      img = pad(img, dw / 2, dh / 2, (dw + 1) / 2, (dh + 1) / 2, "constant", 0);
    }
    // int(round((h - th) / 2.0)) with Python's round-half-to-even.
    const int top = static_cast<int>(std::nearbyint((img.rows - h_) / 2.0));
    const int left = static_cast<int>(std::nearbyint((img.cols - w_) / 2.0));
    return img(cv::Rect(left, top, w_, h_));
  }

 private:
  int h_, w_;
};

class RandomCrop final : public Transform {
 public:
  explicit RandomCrop(const TransformSpec& s) : spec_(s), h_(static_cast<int>(s.size[0])), w_(static_cast<int>(s.size[1])) {}
  std::pair<int64_t, int64_t> out_size(int64_t, int64_t) const override { return {h_, w_}; }
  cv::Mat apply(const cv::Mat& input, Rng& rng) const override {
    cv::Mat img = input;
    const auto& p = spec_.padding;
    if (p.size() == 1) img = pad(img, int(p[0]), int(p[0]), int(p[0]), int(p[0]), spec_.padding_mode, spec_.fill);
    if (p.size() == 2) img = pad(img, int(p[0]), int(p[1]), int(p[0]), int(p[1]), spec_.padding_mode, spec_.fill);
    if (p.size() == 4) img = pad(img, int(p[0]), int(p[1]), int(p[2]), int(p[3]), spec_.padding_mode, spec_.fill);
    if (spec_.pad_if_needed && img.cols < w_) {
      const int d = w_ - img.cols;
      img = pad(img, d, 0, d, 0, spec_.padding_mode, spec_.fill);
    }
    if (spec_.pad_if_needed && img.rows < h_) {
      const int d = h_ - img.rows;
      img = pad(img, 0, d, 0, d, spec_.padding_mode, spec_.fill);
    }
    if (img.rows < h_ || img.cols < w_)
      throw std::runtime_error("random_crop: the image is " + std::to_string(img.rows) + "x" + std::to_string(img.cols) +
                               ", smaller than the crop " + std::to_string(h_) + "x" + std::to_string(w_) +
                               " (use padding or pad_if_needed: true, or resize first)");
    const int top = static_cast<int>(rng.randint(0, img.rows - h_ + 1));
    const int left = static_cast<int>(rng.randint(0, img.cols - w_ + 1));
    return img(cv::Rect(left, top, w_, h_));
  }

 private:
  TransformSpec spec_;
  int h_, w_;
};

class RandomResizedCrop final : public Transform {
 public:
  explicit RandomResizedCrop(const TransformSpec& s) : spec_(s) {}
  std::pair<int64_t, int64_t> out_size(int64_t, int64_t) const override { return {spec_.size[0], spec_.size[1]}; }
  cv::Mat apply(const cv::Mat& img, Rng& rng) const override {
    const cv::Rect r = window(img.rows, img.cols, rng);
    return resize_to(img(r), static_cast<int>(spec_.size[0]), static_cast<int>(spec_.size[1]), spec_.interpolation);
  }
  // torchvision's RandomResizedCrop.get_params.
  cv::Rect window(int height, int width, Rng& rng) const {
    const double area = static_cast<double>(height) * width;
    const double log_lo = std::log(spec_.ratio[0]), log_hi = std::log(spec_.ratio[1]);
    for (int attempt = 0; attempt < 10; ++attempt) {
      const double target_area = area * rng.uniform(spec_.scale[0], spec_.scale[1]);
      const double aspect = std::exp(rng.uniform(log_lo, log_hi));
      const int w = static_cast<int>(std::nearbyint(std::sqrt(target_area * aspect)));
      const int h = static_cast<int>(std::nearbyint(std::sqrt(target_area / aspect)));
      if (w > 0 && w <= width && h > 0 && h <= height) {
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

 private:
  TransformSpec spec_;
};

class Flip final : public Transform {
 public:
  Flip(double p, int code) : p_(p), code_(code) {}
  cv::Mat apply(const cv::Mat& img, Rng& rng) const override {
    if (!(rng.uniform() < p_)) return img;
    cv::Mat out;
    cv::flip(img, out, code_);
    return out;
  }

 private:
  double p_;
  int code_;  // 1 horizontal, 0 vertical
};

class Rotation final : public Transform {
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

double gray_mean(const cv::Mat& img) {
  if (img.channels() == 1) return cv::mean(img)[0];
  cv::Mat gray;
  cv::cvtColor(img, gray, cv::COLOR_RGB2GRAY);
  return cv::mean(gray)[0];
}

class ColorJitter final : public Transform {
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

class Grayscale final : public Transform {
 public:
  explicit Grayscale(int64_t channels) : channels_(channels) {}
  int64_t out_channels(int64_t) const override { return channels_; }
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

std::unique_ptr<Transform> make_transform(const TransformSpec& s) {
  if (s.name == "resize") return std::make_unique<Resize>(s);
  if (s.name == "center_crop") return std::make_unique<CenterCrop>(s);
  if (s.name == "random_crop") return std::make_unique<RandomCrop>(s);
  if (s.name == "random_resized_crop") return std::make_unique<RandomResizedCrop>(s);
  if (s.name == "hflip") return std::make_unique<Flip>(s.p, 1);
  if (s.name == "vflip") return std::make_unique<Flip>(s.p, 0);
  if (s.name == "rotation") return std::make_unique<Rotation>(s);
  if (s.name == "color_jitter") return std::make_unique<ColorJitter>(s);
  if (s.name == "grayscale") return std::make_unique<Grayscale>(s.num_output_channels);
  throw std::invalid_argument("unknown transform '" + s.name + "'");
}

}  // namespace

Pipeline::Pipeline(const std::vector<TransformSpec>& specs, int64_t input_channels) : out_channels_(input_channels) {
  const TransformSpec* normalize = nullptr;
  for (const auto& s : specs) {
    if (s.name == "normalize") {
      normalize = &s;
      continue;
    }
    transforms_.push_back(make_transform(s));
    out_channels_ = transforms_.back()->out_channels(out_channels_);
  }
  const auto n = static_cast<std::size_t>(out_channels_);
  mean_.assign(n, 0.0);
  std_.assign(n, 1.0);
  if (normalize) {
    for (std::size_t c = 0; c < n; ++c) {
      mean_[c] = normalize->mean.size() == 1 ? normalize->mean[0] : normalize->mean.at(c);
      std_[c] = normalize->std.size() == 1 ? normalize->std[0] : normalize->std.at(c);
    }
  }
}

Pipeline::~Pipeline() = default;
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;

cv::Mat Pipeline::apply(cv::Mat img, Rng& rng) const {
  for (const auto& t : transforms_) img = t->apply(img, rng);
  return img;
}

void Pipeline::to_tensor(const cv::Mat& img, float* out) const {
  if (img.depth() != CV_8U || img.channels() != out_channels_)
    throw std::invalid_argument("Pipeline::to_tensor: expected an 8-bit image with " + std::to_string(out_channels_) +
                                " channels");
  const auto plane_size = static_cast<std::size_t>(img.rows) * static_cast<std::size_t>(img.cols);
  std::vector<cv::Mat> planes;
  if (img.channels() == 1) planes.push_back(img);
  else cv::split(img, planes);
  for (std::size_t c = 0; c < planes.size(); ++c) {
    cv::Mat dst(img.rows, img.cols, CV_32F, out + c * plane_size);
    // (x / 255 - mean) / std in one pass: x * (1 / (255 std)) - mean / std.
    planes[c].convertTo(dst, CV_32F, 1.0 / (255.0 * std_[c]), -mean_[c] / std_[c]);
  }
}

std::pair<int64_t, int64_t> Pipeline::out_size(int64_t in_h, int64_t in_w) const {
  std::pair<int64_t, int64_t> size{in_h, in_w};
  for (const auto& t : transforms_) size = t->out_size(size.first, size.second);
  return size;
}

}  // namespace imgcls
