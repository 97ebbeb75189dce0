// The checks that span several keys (optimizer combinations, data and transform lists,
// scheduler settings), run once every key has parsed; and the per-dataset default
// transforms they fill in.
#pragma once

#include "imgcls/config/config.hpp"

namespace imgcls {

// The most loader threads data.workers may ask for ("auto" is capped there too): beyond it
// threads only contend for the cores and each holds its prefetched batches.
constexpr int64_t kMaxLoaderWorkers = 64;
// The most CPU threads `threads` may ask for (LibTorch starts them all, whatever the cores).
constexpr int64_t kMaxThreads = 256;

// Fills what depends on other keys (default transform lists, AdamW's weight decay) and
// throws ConfigError "<where>: <key>: <what>" for combinations that cannot work.
void check_combinations(Config& config);

// Channels the dataset's decoded images have, before any transform (3 for CIFAR, 1 for the
// MNIST family, data.channels for image folders).
int64_t input_channels(const DataConfig& data);

}  // namespace imgcls
