// The device a config asks for: auto (CUDA when available, else CPU), cpu, cuda, cuda:N.
#pragma once

#include <c10/core/Device.h>

namespace imgcls {

struct Config;

// Throws ConfigError (naming config.where("device")) for CUDA asked for but unavailable, or a
// device index that does not exist.
c10::Device pick_device(const Config& config);

}  // namespace imgcls
