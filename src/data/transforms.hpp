// The CPU transform pipeline: a transform list (data.train_transforms / val_transforms) run
// on 8-bit HWC images (OpenCV), then the conversion to a normalised float CHW tensor
// (ToTensor + Normalize). What each transform does, with torchvision's names, parameters and
// semantics, is in its descriptor in src/transforms/ (one file each).
// Randomness: every random transform draws from an Rng seeded by sample_seed(run seed,
// epoch, sample index), so augmentations do not depend on the number of loader threads.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/rng.hpp"
#include "imgcls/config/config.hpp"

namespace imgcls {

class ImageTransform;
class TensorTransform;

class Pipeline {
 public:
  // `specs` as validated by the config; `input_channels` those of the decoded images.
  Pipeline(const std::vector<TransformSpec>& specs, int64_t input_channels);
  ~Pipeline();
  Pipeline(Pipeline&&) noexcept;
  Pipeline& operator=(Pipeline&&) noexcept;

  // Every transform before normalize, in order. `img` is 8-bit HWC with input_channels.
  cv::Mat apply(cv::Mat img, Rng& rng) const;
  // Writes `img` (8-bit HWC, out_channels()) into `out`, a C x H x W float buffer.
  void to_tensor(const cv::Mat& img, float* out) const;
  // The steps after normalize (random_erasing) on one sample's normalised C x h x w tensor,
  // drawing from the sample's generator after apply() drew from it.
  void apply_tensor(float* chw, int64_t h, int64_t w, Rng& rng) const;

  int64_t out_channels() const { return out_channels_; }
  // The output size for inputs of in_h x in_w (-1: any size); -1 where it depends on an
  // input size that is not known.
  std::pair<int64_t, int64_t> out_size(int64_t in_h, int64_t in_w) const;
  // False when the list is only normalize (or empty): batches can then be made from a uint8
  // tensor with one vectorised conversion. A step after normalize counts as a transform.
  bool has_image_transforms() const { return !transforms_.empty() || !tensor_steps_.empty(); }
  bool has_tensor_steps() const { return !tensor_steps_.empty(); }
  const std::vector<double>& mean() const { return mean_; }  // one per output channel
  const std::vector<double>& std() const { return std_; }

 private:
  std::vector<std::unique_ptr<ImageTransform>> transforms_;
  std::vector<std::unique_ptr<TensorTransform>> tensor_steps_;
  std::vector<double> mean_, std_;
  int64_t out_channels_ = 0;
};

}  // namespace imgcls
