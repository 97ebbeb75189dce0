// The random generator of the data pipeline: every random transform (CPU, transforms.cpp, and
// on the device, device_batches.cpp) draws from an Rng seeded by sample_seed(run seed, epoch,
// sample index), so augmentations depend neither on the number of loader threads nor on the
// order batches are made in, and resuming mid-epoch redraws the same numbers.
// No LibTorch, no OpenCV: the same numbers on every platform and build.
#pragma once

#include <cstdint>

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

}  // namespace imgcls
