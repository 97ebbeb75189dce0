// The device a config asks for: auto (CUDA when available, else CPU), cpu, cuda, cuda:N.
#pragma once

#include <c10/core/Device.h>

#include <string>

#include "engine/torch_fwd.hpp"

namespace imgcls {

struct Config;

// Throws ConfigError (naming config.where("device")) for CUDA asked for but unavailable, or a
// device index that does not exist.
c10::Device pick_device(const Config& config);

// Sets up LibTorch for a run on `device`: the thread count (config.threads), deterministic
// algorithms (train.deterministic) or, on CUDA, cuDNN's benchmark mode.
void configure_runtime(const Config& config, c10::Device device);

// train.channels_last: the model's 4-d weights in channels_last memory format, so oneDNN's
// convolutions take them without a reorder per call (the trainer and `imgcls bench step`).
void use_channels_last(torch::nn::Module& model);

// The autocast dtype ("none" | "bf16" | "fp16") for train.amp `amp` on a CUDA or CPU device:
// on CUDA as asked, "auto" being fp32; on the CPU bf16 when asked for, "auto" being bf16 where
// the processor has it natively (`native_bf16`, AVX512-BF16 or AMX) and fp32 elsewhere; fp16
// autocast is CUDA only (the trainer warns and trains in full precision).
std::string choose_amp(const std::string& amp, bool cuda, bool native_bf16);

// choose_amp for the config's train.amp on `device` and this machine's CPU.
std::string effective_amp(const Config& config, c10::Device device);

// train.channels_last `setting` with autocast dtype `amp` (effective_amp's), for a model with
// 4-d weights or not (`convolutional`) whose model table row says channels_last is faster on
// the CPU (`faster_on_cpu`, ModelInfo::channels_last): "true" and "false" as given; "auto"
// never without a convolution; on the CPU the row's measured choice, in fp32 and bf16 alike
// (docs/BENCHMARKS.md, "Memory format": complex_cnn, cifar10_cnn, cifar_cnn and baseline_cnn
// gain 5-96%, basic_cnn, vgg_cnn and residual_cnn lose 6-20%); on CUDA channels_last under
// bf16/fp16 autocast (cuDNN's tensor-core convolutions want it) and NCHW in fp32.
bool choose_channels_last(const std::string& setting, const std::string& amp, bool cuda, bool convolutional,
                          bool faster_on_cpu);

// choose_channels_last for the config's train.channels_last and model.name's row, `device`
// and `model` (convolutional when it has a 4-d weight).
bool effective_channels_last(const Config& config, c10::Device device, const torch::nn::Module& model);

}  // namespace imgcls
