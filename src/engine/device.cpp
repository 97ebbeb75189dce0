#include "engine/device.hpp"

#include <torch/cuda.h>

#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {

c10::Device pick_device(const Config& config) {
  const auto& d = config.device;
  if (d == "cpu") return c10::kCPU;
  if (d == "auto") return torch::cuda::is_available() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  if (!torch::cuda::is_available())
    throw ConfigError(config.where("device") + ": device: '" + d + "' asked for, but CUDA is not available here " +
                      "(use device: auto or cpu)");
  const c10::Device device(d);
  if (device.has_index() && device.index() >= static_cast<int>(torch::cuda::device_count()))
    throw ConfigError(config.where("device") + ": device: '" + d + "' does not exist (" +
                      std::to_string(torch::cuda::device_count()) + " CUDA device(s))");
  return device.has_index() ? device : c10::Device(c10::kCUDA, 0);
}

}  // namespace imgcls
