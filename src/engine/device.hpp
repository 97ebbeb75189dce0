// The device a config asks for: auto (CUDA when available, else CPU), cpu, cuda, cuda:N.
#pragma once

#include <c10/core/Device.h>

#include <string>

namespace imgcls {

struct Config;

// Throws ConfigError (naming config.where("device")) for CUDA asked for but unavailable, or a
// device index that does not exist.
c10::Device pick_device(const Config& config);

// Sets up LibTorch for a run on `device`: the thread count (config.threads), deterministic
// algorithms (train.deterministic) or, on CUDA, cuDNN's benchmark mode.
void configure_runtime(const Config& config, c10::Device device);

// The autocast dtype a run uses: train.amp on CUDA, "none" elsewhere.
std::string effective_amp(const Config& config, c10::Device device);

}  // namespace imgcls
