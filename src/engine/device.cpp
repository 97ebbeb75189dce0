#include "engine/device.hpp"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/nn/module.h>

#include <cstdlib>

#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "models/model_table.hpp"
#include "util/cpu_features.hpp"

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

void use_channels_last(torch::nn::Module& model) {
  for (auto& p : model.parameters())
    if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
}

std::string choose_amp(const std::string& amp, bool cuda, bool native_bf16) {
  if (amp == "auto") return !cuda && native_bf16 ? "bf16" : "none";
  if (cuda) return amp;
  return amp == "bf16" ? amp : "none";  // LibTorch's CPU autocast: bf16 only
}

std::string effective_amp(const Config& config, c10::Device device) {
  return choose_amp(config.train.amp, device.is_cuda(), cpu_bf16().native());
}

bool choose_channels_last(const std::string& setting, const std::string& amp, bool cuda, bool convolutional,
                          bool faster_on_cpu) {
  if (setting != "auto") return setting == "true";
  if (!convolutional) return false;
  return cuda ? amp != "none" : faster_on_cpu;
}

bool effective_channels_last(const Config& config, c10::Device device, const torch::nn::Module& model) {
  bool convolutional = false;
  for (const auto& p : model.parameters()) convolutional = convolutional || p.dim() == 4;
  const auto* row = find_model(config.model.name);
  return choose_channels_last(config.train.channels_last, effective_amp(config, device), device.is_cuda(),
                              convolutional, row && row->channels_last);
}

}  // namespace imgcls
