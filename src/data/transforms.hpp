// Image transforms with torchvision.transforms' names, parameters and semantics, on 8-bit
// HWC images (OpenCV), followed by the conversion to a normalised float CHW tensor:
//   resize               size s: shorter side to s (aspect kept, the longer side truncated
//                        as torchvision does); [h, w]: exactly. bilinear downscaling uses
//                        INTER_AREA (torchvision antialiases), upscaling INTER_LINEAR.
//   center_crop          [h, w] from the centre (offsets rounded as torchvision); zero-padded
//                        when the image is smaller.
//   random_crop          optional padding (constant | edge | reflect | symmetric), then a
//                        uniformly placed [h, w] window.
//   random_resized_crop  torchvision's area/aspect sampling (10 tries, then a centre crop),
//                        resized to [h, w].
//   hflip, vflip         with probability p.
//   rotation             by an angle uniform in [min, max] degrees, counter-clockwise, about
//                        the centre, same size, corners filled with `fill`.
//   color_jitter         brightness, contrast, saturation factors and a hue shift, each
//                        uniform in its range, applied in a random order (torchvision's).
//   grayscale            ITU-R 601 luma, 1 or 3 output channels.
//   normalize            (x / 255 - mean) / std per channel; must be the last item.
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

class Transform;

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

  int64_t out_channels() const { return out_channels_; }
  // The output size for inputs of in_h x in_w (-1: any size); -1 where it depends on an
  // input size that is not known.
  std::pair<int64_t, int64_t> out_size(int64_t in_h, int64_t in_w) const;
  // False when the list is only normalize (or empty): batches can then be made from a uint8
  // tensor with one vectorised conversion.
  bool has_image_transforms() const { return !transforms_.empty(); }
  const std::vector<double>& mean() const { return mean_; }  // one per output channel
  const std::vector<double>& std() const { return std_; }

 private:
  std::vector<std::unique_ptr<Transform>> transforms_;
  std::vector<double> mean_, std_;
  int64_t out_channels_ = 0;
};

}  // namespace imgcls
