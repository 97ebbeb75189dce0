#include "engine/device.hpp"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <cstdlib>

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

void configure_runtime(const Config& config, c10::Device device) {
  if (config.threads > 0) at::set_num_threads(static_cast<int>(config.threads));
  if (config.train.deterministic) {
    setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
    at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/false);
    at::globalContext().setDeterministicCuDNN(true);
    at::globalContext().setBenchmarkCuDNN(false);
  } else if (device.is_cuda()) {
    at::globalContext().setBenchmarkCuDNN(true);  // fixed input shapes: let cuDNN pick its fastest kernels
  }
}

std::string effective_amp(const Config& config, c10::Device device) {
  return device.is_cuda() ? config.train.amp : "none";
}

}  // namespace imgcls
