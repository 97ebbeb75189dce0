// The OpenCV operations several transforms share, with torchvision's conventions, and their
// coordinate counterpart for the device versions (unpad).
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <string>

namespace imgcls {

// The OpenCV flag for an interpolation name (rotation's warpAffine; resize_to's OpenCV
// choices): nearest / cv_nearest INTER_NEAREST, bicubic / cv_cubic INTER_CUBIC, area
// INTER_AREA, bilinear / cv_linear INTER_AREA when `downscale`, else INTER_LINEAR.
int interpolation_flag(const std::string& name, bool downscale);

// `img` resized to exactly h x w (itself when it already is), as torchvision resizes a PIL
// image for nearest | box | bilinear | hamming | bicubic | lanczos (Pillow's antialiased
// filters, byte for byte: pil_resample.hpp), with OpenCV's cv::resize for area (INTER_AREA),
// cv_linear (INTER_AREA when neither side grows, else INTER_LINEAR: imgcls's bilinear before
// config_version 2), cv_cubic (INTER_CUBIC) and cv_nearest (INTER_NEAREST).
cv::Mat resize_to(const cv::Mat& img, int h, int w, const std::string& interpolation);

// `img` padded by the given widths; mode constant (with `fill`) | edge | reflect (edge not
// repeated) | symmetric (edge repeated), as torchvision's pad.
cv::Mat pad(const cv::Mat& img, int left, int top, int right, int bottom, const std::string& mode, double fill);

// Maps a coordinate of a padded axis (x, in the coordinates of the unpadded one, so negative
// or >= n in the padding) back to the unpadded axis of length n, as pad() fills it: -1 for
// constant padding, else reflected or clamped, for any padding width.
int64_t unpad(int64_t x, int64_t n, const std::string& mode);

}  // namespace imgcls
