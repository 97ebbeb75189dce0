// Batches of an in-memory dataset (MNIST family, CIFAR) made on the training device: the
// uint8 images and labels are copied to the device once, and each batch is one index_select,
// one gather that does every crop, padding and flip of the batch at once, and a float
// normalisation, all on the device. No loader thread, no per-sample host work beyond a few
// random numbers, no host-to-device copy of images per step (the approach of the CIFAR-10
// speed records). On CPU the same code runs on host tensors.
//
//   const auto why_not = device_batches_unsupported(dataset, specs);  // "" when supported
//   DeviceBatches batches(dataset, specs, pipeline, options, device);
//   batches.start_epoch(epoch);
//   for (Batch b; batches.next(b);) { ... }   // b.images float32 on `device`
//
// Same batches as Loader: the same order (seed, epoch) and, per sample, the same random
// draws from Rng(sample_seed(seed, epoch, index)) in the same order as the CPU transforms,
// so pixels match the CPU path exactly (normalised values to float rounding).
//
// Supported transforms: those whose descriptor (src/transforms/) has a device version, a
// CoordinateMap (random_crop with any padding, padding_mode and pad_if_needed; center_crop;
// hflip; vflip), and normalize, in any order. Anything that resamples or mixes pixel values
// (resize, rotation, color_jitter, random_resized_crop, grayscale) is not.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/loader.hpp"
#include "imgcls/config/config.hpp"

namespace imgcls {

class Pipeline;

// Why `dataset` with `specs` cannot be batched on the device ("" when it can): a file
// dataset, an unsupported transform, or constant padding with two different fill values.
std::string device_batches_unsupported(const Dataset& dataset, const std::vector<TransformSpec>& specs);

class DeviceBatches final : public BatchSource {
 public:
  // Copies the dataset's images (uint8) and labels to `device`. `pipeline` (built from the
  // same `specs`) gives mean and std. options: batch_size, shuffle, drop_last, seed, and
  // height/width, the expected output size (checked). Throws DataError when unsupported.
  DeviceBatches(const Dataset& dataset, const std::vector<TransformSpec>& specs, const Pipeline& pipeline,
                LoaderOptions options, c10::Device device);
  ~DeviceBatches() override;

  int64_t num_batches() const override;
  void start_epoch(int64_t epoch, int64_t first_batch = 0) override;
  bool next(Batch& out) override;
  // Batch `i` of the current epoch.
  Batch make_batch(int64_t i) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Whether a run on `device` makes `dataset`'s batches on the device, for data.device_resident
// `mode`: "true" (throws ConfigError, with `where`, when unsupported), "false", or "auto" (on
// CUDA when supported).
bool use_device_batches(const std::string& mode, c10::Device device, const Dataset& dataset,
                        const std::vector<TransformSpec>& specs, const std::string& where);

// DeviceBatches when `device_resident`, else a Loader (its batches on the host).
std::unique_ptr<BatchSource> make_batch_source(const Dataset& dataset, const std::vector<TransformSpec>& specs,
                                               const Pipeline& pipeline, LoaderOptions options, c10::Device device,
                                               bool device_resident, BadImageLog* bad_images);

}  // namespace imgcls
