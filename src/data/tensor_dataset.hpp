// In-memory image classification data: all images in one uint8 tensor, labels in one
// int64 tensor. Used for the MNIST family (and later CIFAR): decoded once, batched by
// indexing rather than per-item copies.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace imgcls {

struct TensorDataset {
  at::Tensor images;  // uint8, N x C x H x W
  at::Tensor labels;  // int64, N
  std::vector<std::string> class_names;

  int64_t size() const { return images.defined() ? images.size(0) : 0; }
  // The subset at `indices` (int64 1-D tensor), sharing class names.
  TensorDataset subset(const at::Tensor& indices) const;
};

// The splits a run uses. `val` is empty when data.val_split is 0; `test` is the dataset's
// own test split.
struct DataSplits {
  TensorDataset train;
  TensorDataset val;
  TensorDataset test;
  int64_t channels = 0, height = 0, width = 0, num_classes = 0;
};

}  // namespace imgcls
