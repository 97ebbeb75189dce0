// The random generator of the data pipeline: every random transform (CPU, transforms.cpp, and
// on the device, device_batches.cpp) draws from an Rng seeded by sample_seed(run seed, epoch,
// sample index), so augmentations depend neither on the number of loader threads nor on the
// order batches are made in, and resuming mid-epoch redraws the same numbers.
// No LibTorch, no OpenCV: the same numbers on every platform and build.
#pragma once

#include <cstdint>
#include <vector>

namespace imgcls {

// xoshiro256** (Blackman and Vigna), its state seeded by four SplitMix64 outputs of `seed`.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  double uniform();                         // [0, 1), 53 random bits
  double uniform(double lo, double hi);     // [lo, hi)
  int64_t randint(int64_t lo, int64_t hi);  // [lo, hi); throws std::invalid_argument when hi <= lo

 private:
  uint64_t s_[4];
};

// The seed of one sample's transforms in one epoch: SplitMix64 chained over seed, epoch, index.
uint64_t sample_seed(uint64_t seed, int64_t epoch, int64_t index);

// How many of `labels` are of each class 0..num_classes-1 (a label outside that range throws
// std::out_of_range).
std::vector<int64_t> class_counts(const std::vector<int64_t>& labels, int64_t num_classes);

// data.sampler: balanced, one epoch: labels.size() draws with replacement, sample i drawn with
// probability proportional to 1 / count(labels[i]) (torch's WeightedRandomSampler with
// inverse class-frequency weights): a class uniformly, then one of its samples uniformly, from
// Rng(sample_seed(seed, epoch, -1)), a stream no sample's transforms use. The same for any
// number of loader threads and on resume. Throws std::invalid_argument when a class of
// 0..num_classes-1 has no sample (it could never be drawn).
std::vector<int64_t> balanced_order(const std::vector<int64_t>& labels, int64_t num_classes, uint64_t seed,
                                    int64_t epoch);

}  // namespace imgcls
