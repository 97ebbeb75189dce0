// The OpenCV operations several transforms share, with torchvision's conventions, and their
// coordinate counterpart for the device versions (unpad).
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <string>

namespace imgcls {

// The OpenCV flag for an interpolation name; bilinear downscaling uses INTER_AREA
// (torchvision antialiases), upscaling INTER_LINEAR.
int interpolation_flag(const std::string& name, bool downscale);

// `img` resized to exactly h x w (itself when it already is).
cv::Mat resize_to(const cv::Mat& img, int h, int w, const std::string& interpolation);

// `img` padded by the given widths; mode constant (with `fill`) | edge | reflect (edge not
// repeated) | symmetric (edge repeated), as torchvision's pad.
cv::Mat pad(const cv::Mat& img, int left, int top, int right, int bottom, const std::string& mode, double fill);

// Maps a coordinate of a padded axis (x, in the coordinates of the unpadded one, so negative
// or >= n in the padding) back to the unpadded axis of length n, as pad() fills it: -1 for
// constant padding, else reflected or clamped, for any padding width.
int64_t unpad(int64_t x, int64_t n, const std::string& mode);

}  // namespace imgcls
