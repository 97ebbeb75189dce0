#include "transforms/image_ops.hpp"

#include <opencv2/imgproc.hpp>

#include "transforms/pil_resample.hpp"

namespace imgcls {

int interpolation_flag(const std::string& name, bool downscale) {
  if (name == "nearest" || name == "cv_nearest") return cv::INTER_NEAREST;
  if (name == "bicubic" || name == "cv_cubic") return cv::INTER_CUBIC;
  if (name == "area") return cv::INTER_AREA;
  return downscale ? cv::INTER_AREA : cv::INTER_LINEAR;  // bilinear, cv_linear
}

cv::Mat resize_to(const cv::Mat& img, int h, int w, const std::string& interpolation) {
  if (img.rows == h && img.cols == w) return img;
  if (PilFilter filter; pil_filter_of(interpolation, filter)) return pil_resize(img, h, w, filter);
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

int64_t unpad(int64_t x, int64_t n, const std::string& mode) {
  if (x >= 0 && x < n) return x;
  if (mode == "constant") return -1;
  if (mode == "edge") return x < 0 ? 0 : n - 1;
  if (n == 1) return 0;
  while (x < 0 || x >= n) {
    if (mode == "reflect") x = x < 0 ? -x : 2 * (n - 1) - x;
    else x = x < 0 ? -x - 1 : 2 * n - 1 - x;  // symmetric
  }
  return x;
}

}  // namespace imgcls
