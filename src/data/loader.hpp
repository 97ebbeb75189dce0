// Batches from a TensorDataset: shuffled (per epoch, from a seed) or in order, converted to
// float and normalised on the way out. The uint8 images are indexed per batch, never copied
// per item.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "data/tensor_dataset.hpp"

namespace imgcls {

struct Batch {
  at::Tensor images;  // float32, B x C x H x W, normalised
  at::Tensor labels;  // int64, B
};

struct Normalization {
  bool enabled = true;
  double mean = 0.5;
  double std = 0.5;
};

class BatchLoader {
 public:
  // `dataset` must outlive the loader. batch_size >= 1.
  BatchLoader(const TensorDataset& dataset, int64_t batch_size, bool shuffle, Normalization norm);

  // Starts an epoch; with shuffle, the order is a permutation drawn from (seed, epoch), so
  // the same seed gives the same batches whatever else the run does.
  void start_epoch(uint64_t seed, int64_t epoch);
  int64_t num_batches() const;
  // Batch `i` (0 <= i < num_batches()) of the current epoch; the last one may be smaller.
  Batch batch(int64_t i) const;

 private:
  const TensorDataset& dataset_;
  int64_t batch_size_;
  bool shuffle_;
  Normalization norm_;
  at::Tensor order_;
};

}  // namespace imgcls
