// One descriptor per transform: everything imgcls knows about a transform of
// data.train_transforms / data.val_transforms lives in its own file in this folder (resize.cpp,
// random_crop.cpp, ...), as one TransformDescriptor: its name and parameters, how each
// parameter is read from the config and printed back, how it changes the channel count and
// image size, the CPU implementation (an OpenCV op on 8-bit images) and, for the geometric
// ones, the batched device implementation (a map from output pixels back to input pixels that
// DeviceBatches turns into one gather). Adding a transform is one new file plus its line in
// registry.cpp.
//
// Users of the table: config/transform_specs.cpp (parse, print, names), config/checks.cpp
// (channels, normalize last), data/transforms.cpp (the CPU Pipeline), data/device_batches.cpp
// (the device version). No LibTorch here (imgcls_base): OpenCV and yaml-cpp only.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "data/rng.hpp"
#include "imgcls/config/config.hpp"

namespace YAML {
class Node;
}

namespace imgcls {

class ParamReader;  // transforms/params.hpp

// One parameter of a transform: how a config value sets it in a TransformSpec and how it is
// printed back (nullopt: not printed, e.g. an optional parameter left unset), so that parsing
// the printed text gives the same spec.
struct ParamDescriptor {
  std::string name;
  bool required = false;  // "resize needs size"
  void (*parse)(const ParamReader& reader, const YAML::Node& value, TransformSpec& spec) = nullptr;
  std::optional<std::string> (*print)(const TransformSpec& spec) = nullptr;
};

// The CPU implementation: one step of the Pipeline on an 8-bit HWC image.
class ImageTransform {
 public:
  virtual ~ImageTransform() = default;
  // Random transforms draw from `rng` only (the sample's generator, see data/rng.hpp).
  virtual cv::Mat apply(const cv::Mat& img, Rng& rng) const = 0;
  // The output size for an input of h x w; -1 for a size that depends on an unknown (-1) input.
  virtual std::pair<int64_t, int64_t> out_size(int64_t h, int64_t w) const { return {h, w}; }
};

// The device implementation of a geometric transform for images of one fixed size
// in_h x in_w (an in-memory dataset): for each output row and column, the input row and
// column it comes from, so that a whole batch's crops, paddings and flips are one gather.
class CoordinateMap {
 public:
  // One sample's random parameters.
  struct Draw {
    int64_t top = 0, left = 0;  // crops: the window in the (padded) input
    bool flip = false;          // flips: whether this sample is flipped
  };

  CoordinateMap(int64_t out_h, int64_t out_w) : out_h_(out_h), out_w_(out_w) {}
  virtual ~CoordinateMap() = default;
  int64_t out_h() const { return out_h_; }
  int64_t out_w() const { return out_w_; }

  // Draws exactly what the CPU implementation draws from `rng`, in the same order.
  virtual Draw draw(Rng& rng) const = 0;
  // rows[0..n_rows) and cols[0..n_cols) hold coordinates in this step's output; replaces each
  // by the coordinate in its input, -1 where the pixel is constant padding (a -1 stays -1).
  virtual void map_back(const Draw& draw, int64_t* rows, int64_t n_rows, int64_t* cols, int64_t n_cols) const = 0;
  // The value of constant-padded pixels when this step produces some at its sizes.
  virtual std::optional<int64_t> constant_fill() const { return std::nullopt; }

 private:
  int64_t out_h_, out_w_;
};

// A random step on the normalised float tensor, after normalize (random_erasing): the CPU
// Pipeline calls apply() per sample; DeviceBatches draws each sample's region with draw() and
// fills it with values() on the device.
class TensorTransform {
 public:
  // The rectangle a sample changes; height 0: none.
  struct Region {
    int64_t top = 0, left = 0, height = 0, width = 0;
  };
  virtual ~TensorTransform() = default;
  // Draws this sample's region of an h x w tensor from `rng` (the sample's generator, after
  // the image transforms' draws).
  virtual Region draw(Rng& rng, int64_t h, int64_t w) const = 0;
  // The value of each of `channels` channels in the region; empty: random values (drawn on
  // the CPU after the region, so there is no device version).
  virtual std::vector<double> values(int64_t channels) const = 0;
  // The CPU version: draw, then fill `chw` (channels x h x w floats) in place.
  virtual void apply(float* chw, int64_t channels, int64_t h, int64_t w, Rng& rng) const = 0;
};

struct TransformDescriptor {
  std::string name;
  std::string summary;   // one line: what it does, torchvision's semantics
  std::string torchvision_name;  // "RandomHorizontalFlip": named in "did you mean"
  std::string bare;      // the parameter a bare value sets ("resize: 256"); "" = none
  std::vector<ParamDescriptor> params;  // in print order
  // Defaults that differ from TransformSpec's (rotation: nearest interpolation). May be null.
  void (*init)(TransformSpec& spec) = nullptr;
  // Checks that span parameters, after parsing; throws TransformListError. May be null.
  void (*check)(const TransformSpec& spec, int line, const std::string& subkey) = nullptr;
  // normalize and random_erasing act on the float tensor, not on the image: normalize (mean,
  // std; make_tensor null) comes after every image transform, and only transforms with a
  // make_tensor may follow it (and must).
  bool on_tensor = false;
  // The channel count after this transform, given the count before it. Null: unchanged.
  int64_t (*out_channels)(const TransformSpec& spec, int64_t channels) = nullptr;
  // The CPU implementation (null for on_tensor transforms).
  std::unique_ptr<ImageTransform> (*make_cpu)(const TransformSpec& spec) = nullptr;
  // The tensor step of an on_tensor transform after normalize; null for normalize.
  std::unique_ptr<TensorTransform> (*make_tensor)(const TransformSpec& spec) = nullptr;
  // The device implementation for in_h x in_w inputs; null: none (a transform that resamples
  // or mixes pixel values). Throws DataError (naming spec.where) when the sizes do not fit.
  std::unique_ptr<CoordinateMap> (*make_coordinate_map)(const TransformSpec& spec, int64_t in_h, int64_t in_w) = nullptr;
  // The fill value of constant padding the device version may produce; null: never pads
  // with a constant. DeviceBatches supports one fill value per list.
  std::optional<double> (*constant_fill)(const TransformSpec& spec) = nullptr;
};

// Every transform, in documentation order.
const std::vector<const TransformDescriptor*>& transform_descriptors();
// The descriptor named `name`, or null.
const TransformDescriptor* find_transform(const std::string& name);
// The descriptor of a spec made by the config; throws std::invalid_argument for an unknown name.
const TransformDescriptor& transform_of(const TransformSpec& spec);

}  // namespace imgcls
