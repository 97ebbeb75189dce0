// The image operations of torchvision's AutoAugment, RandAugment and TrivialAugmentWide
// (torchvision/transforms/autoaugment.py, `_apply_op`), on 8-bit RGB or grey OpenCV images,
// computed as torchvision computes them on PIL images (the usual DataLoader path): PIL's
// ImageEnhance blends (truncated, not rounded), ImageOps' look-up tables (posterize, solarize,
// autocontrast, equalize) and PIL's inverse affine mapping from pixel centres (x + 0.5) for
// shear, translate and rotate. Shared by rand_augment.cpp, trivial_augment_wide.cpp and
// auto_augment.cpp. No LibTorch.
#pragma once

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "transforms/transform.hpp"

namespace imgcls {

enum class AugmentOp {
  kIdentity,
  kShearX,
  kShearY,
  kTranslateX,
  kTranslateY,
  kRotate,
  kBrightness,
  kColor,
  kContrast,
  kSharpness,
  kPosterize,
  kSolarize,
  kAutoContrast,
  kEqualize,
  kInvert
};

// torchvision's op name ("ShearX").
const char* augment_op_name(AugmentOp op);

// One op of an augmentation space: its magnitudes, one per bin (empty: the op takes none,
// magnitude 0), and whether a random sign applies.
struct OpSpace {
  AugmentOp op;
  std::vector<double> magnitudes;
  bool is_signed = false;
};

// The spaces of torchvision 0.26, in its dictionary order (the order an op index draws from);
// magnitudes computed as torch.linspace / arange compute them in float32.
std::vector<OpSpace> rand_augment_space(int64_t num_bins, int64_t height, int64_t width);
std::vector<OpSpace> trivial_augment_wide_space(int64_t num_bins);
std::vector<OpSpace> auto_augment_space(int64_t height, int64_t width);  // 10 bins, with Invert

// One sub-policy step of AutoAugment: op, probability, magnitude bin (-1: none).
struct PolicyStep {
  AugmentOp op;
  double p;
  int magnitude_bin;
};
using SubPolicy = std::pair<PolicyStep, PolicyStep>;
// imagenet | cifar10 | svhn; throws std::invalid_argument for another name.
const std::vector<SubPolicy>& auto_augment_policy(const std::string& name);

// `_apply_op(img, op, magnitude, interpolation, fill)`: `img` 8-bit, 1 or 3 channels;
// `interpolation` nearest | bilinear | bicubic (geometric ops); `fill` the value of pixels
// that come from outside the image. Returns a new image of the same size and type.
cv::Mat apply_augment_op(const cv::Mat& img, AugmentOp op, double magnitude, const std::string& interpolation,
                         double fill);

// rand_augment, trivial_augment_wide and auto_augment's parameters (TransformSpec's num_ops,
// magnitude, num_magnitude_bins, policy, interpolation), read through these accessors.
void init_augment_params(TransformSpec& t);  // 2, 9, 31, imagenet, nearest (torchvision's defaults)
inline int64_t& num_ops(TransformSpec& t) { return t.num_ops; }
inline int64_t& magnitude(TransformSpec& t) { return t.magnitude; }
inline int64_t& num_magnitude_bins(TransformSpec& t) { return t.num_magnitude_bins; }
inline std::string& policy(TransformSpec& t) { return t.policy; }
inline int64_t num_ops(const TransformSpec& t) { return t.num_ops; }
inline int64_t magnitude(const TransformSpec& t) { return t.magnitude; }
inline int64_t num_magnitude_bins(const TransformSpec& t) { return t.num_magnitude_bins; }
inline const std::string& policy(const TransformSpec& t) { return t.policy; }

// Parameters rand_augment, trivial_augment_wide and auto_augment share (augment_params.cpp;
// fill is params.hpp's fill_param).
ParamDescriptor augment_interpolation_param();  // nearest (torchvision's default) | bilinear | bicubic
ParamDescriptor num_magnitude_bins_param();     // an integer >= 2

}  // namespace imgcls
