// Pillow's resampling (Image.resize, libImaging/Resample.c) on 8-bit OpenCV images, so that
// imgcls resizes as torchvision's Resize / RandomResizedCrop do on PIL images (antialias on):
// two separable passes with an 8-bit image between them (horizontal first, over only the rows
// the output needs; vertical first, as Pillow 13 does, when the height shrinks by more than
// twice what the width does), the filter's support widened by the shrink factor, Pillow's
// 22-bit fixed-point coefficients, its rounding and clipping. Results equal Pillow 13's byte
// for byte (tests/transforms hold them to torchvision on real photos; Pillow 12 and older,
// always horizontal first, differ by a gray level or more at some pixels of those shapes).
// Nearest is Pillow's too: (x + 0.5) * scale truncated, not OpenCV's INTER_NEAREST. No LibTorch.
#pragma once

#include <opencv2/core/mat.hpp>

#include <string>

namespace imgcls {

enum class PilFilter { kNearest, kBox, kBilinear, kHamming, kBicubic, kLanczos };

// The filter for a name (nearest | box | bilinear | hamming | bicubic | lanczos), as
// torchvision's InterpolationMode names them; false for any other name.
bool pil_filter_of(const std::string& name, PilFilter& filter);

// `img` (CV_8UC1..CV_8UC4, any step) resized to exactly h x w with `filter`, as
// PIL.Image.resize((w, h), filter). Throws std::invalid_argument for another depth, an empty
// image or a non-positive size.
cv::Mat pil_resize(const cv::Mat& img, int h, int w, PilFilter filter);

}  // namespace imgcls
