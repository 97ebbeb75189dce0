#include "data/loader.hpp"

#include <ATen/ATen.h>

#include <stdexcept>

namespace imgcls {

BatchLoader::BatchLoader(const TensorDataset& dataset, int64_t batch_size, bool shuffle, Normalization norm)
    : dataset_(dataset), batch_size_(batch_size), shuffle_(shuffle), norm_(norm) {
  if (batch_size < 1) throw std::invalid_argument("BatchLoader: batch_size must be >= 1");
  order_ = at::arange(dataset_.size(), at::kLong);
}

void BatchLoader::start_epoch(uint64_t seed, int64_t epoch) {
  if (!shuffle_) return;
  // Mix seed and epoch so consecutive epochs draw unrelated permutations.
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed * 1000003ULL + static_cast<uint64_t>(epoch));
  order_ = at::randperm(dataset_.size(), gen, at::kLong);
}

int64_t BatchLoader::num_batches() const { return (dataset_.size() + batch_size_ - 1) / batch_size_; }

Batch BatchLoader::batch(int64_t i) const {
  if (i < 0 || i >= num_batches())
    throw std::out_of_range("BatchLoader: batch " + std::to_string(i) + " of " + std::to_string(num_batches()));
  const auto begin = i * batch_size_;
  const auto end = std::min(begin + batch_size_, dataset_.size());
  const auto idx = order_.slice(0, begin, end);
  auto images = dataset_.images.index_select(0, idx).to(at::kFloat).div_(255.0);
  if (norm_.enabled) images.sub_(norm_.mean).div_(norm_.std);
  return Batch{images, dataset_.labels.index_select(0, idx)};
}

}  // namespace imgcls
