// Batches from a Dataset through a transform Pipeline, prepared by a pool of worker threads
// ahead of the training step.
//
//   LoaderOptions o;
//   o.batch_size = 64, o.shuffle = true, o.workers = 2, o.seed = 42;
//   Loader loader(ds, pipeline, o);
//   loader.start_epoch(epoch);
//   for (Batch b; loader.next(b);) { ... }
//
// Order and content depend only on (seed, epoch): the order is a permutation drawn from
// them, and each sample's random transforms from (seed, epoch, sample index), so 0, 1 or 8
// workers give the same batches. Each worker assembles whole batches; at most `prefetch`
// batches wait ahead of the consumer, so memory is bounded by the prefetch depth, not the
// dataset. In-memory datasets whose pipeline is only normalize are batched by indexing the
// uint8 tensor and converting once, never per item.
//
// Bad images (image folders): with skip_bad_images each is reported once to the BadImageLog
// and left out of its batch (the batch is one smaller); otherwise BadImageError propagates
// from next(). Any other error in a worker is rethrown by next().
#pragma once

#include "data/batch_count.hpp"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.hpp"

namespace imgcls {

class Pipeline;
struct Config;

struct Batch {
  at::Tensor images;             // float32, B x C x H x W, normalised
  at::Tensor labels;             // int64, B
  std::vector<int64_t> indices;  // the dataset index of each sample
};

struct LoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = false;
  bool drop_last = false;
  int64_t workers = 0;    // 0: batches are made in the calling thread, in next()
  int64_t prefetch = 2;   // batches ready or in the making ahead of the consumer (>= 1)
  bool pin_memory = false;  // page-locked batches for fast, non-blocking copies to CUDA
  uint64_t seed = 0;
  bool skip_bad_images = true;
  int64_t height = -1, width = -1;  // expected output size (-1 = take the first sample's)
  int64_t max_batches = 0;  // > 0: an epoch ends after this many batches (train --smoke)
  // Data-parallel: batch_size is the global batch (a multiple of shard_count) and this
  // process makes its share shard_rank of each batch; batches are counted globally.
  int64_t shard_rank = 0, shard_count = 1;
};

// The positions [first, second) in the epoch's order of the samples of batch `i` that this
// process makes: the whole batch, or share shard_rank of it (batch_size / shard_count
// consecutive samples; a short last batch fills the lower ranks first, the others get none).
inline std::pair<int64_t, int64_t> batch_range(int64_t i, int64_t images, const LoaderOptions& o) {
  const auto begin = i * o.batch_size, end = std::min(begin + o.batch_size, images);
  if (o.shard_count <= 1) return {begin, end};
  const auto share = o.batch_size / o.shard_count;
  return {std::min(begin + o.shard_rank * share, end), std::min(begin + (o.shard_rank + 1) * share, end)};
}

// The batches of an epoch of `images` images: batch_count, capped by max_batches.
inline int64_t batches_per_epoch(int64_t images, const LoaderOptions& o) {
  const auto n = batch_count(images, o.batch_size, o.drop_last);
  return o.max_batches > 0 && o.max_batches < n ? o.max_batches : n;
}

// The bad images met so far, shared by a run's loaders; thread-safe. `on_first` is called
// once per path (for the warning).
class BadImageLog {
 public:
  explicit BadImageLog(std::function<void(const std::string& message)> on_first = nullptr)
      : on_first_(std::move(on_first)) {}
  void record(const std::string& path, const std::string& message);
  int64_t count() const;
  std::vector<std::string> paths() const;

 private:
  mutable std::mutex mutex_;
  std::set<std::string> paths_;
  std::function<void(const std::string&)> on_first_;
};

// The options a config asks for: for training (data.batch_size, shuffled, data.drop_last)
// or evaluation (batches of at least 256, in order); data.workers ("auto" = one per core),
// data.prefetch, the seed, data.on_bad_image. pin_memory and the expected size are the
// caller's to set.
LoaderOptions loader_options(const Config& config, bool train);

// The order of epoch `epoch`'s samples: a permutation drawn from (seed, epoch) when
// shuffling, else 0..n-1. int64, on the CPU.
at::Tensor epoch_order(int64_t size, bool shuffle, uint64_t seed, int64_t epoch);

// A stream of batches, epoch by epoch: Loader (host, worker threads) or DeviceBatches (made
// on the training device).
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual int64_t num_batches() const = 0;
  // Starts epoch `epoch` (any integer; shuffling and augmentation draw from it) at batch
  // `first_batch` (a resumed run skips the batches it already trained on).
  virtual void start_epoch(int64_t epoch, int64_t first_batch = 0) = 0;
  // The next batch of the epoch, in order; false after the last one.
  virtual bool next(Batch& out) = 0;
};

class Loader final : public BatchSource {
 public:
  // `dataset` and `pipeline` must outlive the loader. Throws DataError when an in-memory
  // dataset batched without image transforms does not have the expected height x width, and
  // TrainError (after joining the threads it started) when a worker thread cannot be started.
  Loader(const Dataset& dataset, const Pipeline& pipeline, LoaderOptions options, BadImageLog* bad_images = nullptr);
  ~Loader() override;
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  int64_t num_batches() const override;
  void start_epoch(int64_t epoch, int64_t first_batch = 0) override;
  bool next(Batch& out) override;
  // Batch `i` of the current epoch, made in the calling thread.
  Batch make_batch(int64_t i) const;

 private:
  void stop_workers();

  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace imgcls
