// The samples of one split: labels and class names, and either all images decoded in one
// uint8 tensor (MNIST family, CIFAR: batched by indexing, never copied per item) or the
// paths of image files decoded when a batch needs them (image_folder).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "imgcls/config/config.hpp"  // kDefaultMaxImagePixels

namespace imgcls {

struct Dataset {
  at::Tensor images;  // uint8, N x C x H x W; undefined for a file dataset
  at::Tensor labels;  // int64, N
  std::vector<std::string> class_names;
  std::vector<std::string> paths;  // one image file per sample; empty for an in-memory dataset
  int64_t channels = 0;            // of a file dataset's decoded images (1 or 3)
  // A file dataset's images claiming more pixels are refused undecoded (data.max_image_pixels).
  int64_t max_image_pixels = kDefaultMaxImagePixels;
  // int64, N: each sample's index in the split it was read from (the train or test files, the
  // folder's listing), kept through subset() so a report can name "#i of the train file";
  // undefined until a subset is taken (then the identity).
  at::Tensor source;

  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
  bool in_memory() const { return images.defined(); }
  // The subset at `indices` (int64 1-D tensor), sharing class names.
  Dataset subset(const at::Tensor& indices) const;
  // "path" for a file sample, "#index" for an in-memory one: how messages name a sample.
  std::string describe(int64_t index) const;
  // source[index], or index when the split was never subset.
  int64_t source_index(int64_t index) const;
};

// The splits a run uses. `val` is empty when there is no validation split; `test` is the
// dataset's own test split (empty when it has none). channels/height/width are the model's
// input: the images after the transforms.
struct DataSplits {
  Dataset train;
  Dataset val;
  Dataset test;
  int64_t channels = 0, height = 0, width = 0, num_classes = 0;
};

}  // namespace imgcls
