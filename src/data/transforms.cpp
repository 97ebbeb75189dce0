#include "data/transforms.hpp"

#include <opencv2/core.hpp>

#include <stdexcept>

#include "transforms/transform.hpp"

namespace imgcls {

Pipeline::Pipeline(const std::vector<TransformSpec>& specs, int64_t input_channels) : out_channels_(input_channels) {
  const TransformSpec* normalize = nullptr;
  for (const auto& s : specs) {
    const auto& d = transform_of(s);
    if (d.make_tensor) {
      tensor_steps_.push_back(d.make_tensor(s));
      continue;
    }
    if (d.on_tensor) {
      normalize = &s;
      continue;
    }
    transforms_.push_back(d.make_cpu(s));
    if (d.out_channels) out_channels_ = d.out_channels(s, out_channels_);
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

void Pipeline::apply_tensor(float* chw, int64_t h, int64_t w, Rng& rng) const {
  for (const auto& t : tensor_steps_) t->apply(chw, out_channels_, h, w, rng);
}

std::pair<int64_t, int64_t> Pipeline::out_size(int64_t in_h, int64_t in_w) const {
  std::pair<int64_t, int64_t> size{in_h, in_w};
  for (const auto& t : transforms_) size = t->out_size(size.first, size.second);
  return size;
}

}  // namespace imgcls
