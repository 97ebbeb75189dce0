// Checkpoints: model + optimizer + epoch in LibTorch's archive format, with a format
// version checked on load. Written atomically (temp file, fsync, rename): a kill at any
// moment leaves the previous file intact.
#pragma once

#include <cstdint>
#include <string>

namespace torch {
namespace nn {
class Module;
}
namespace optim {
class Optimizer;
}
}  // namespace torch

namespace imgcls {

constexpr int64_t kCheckpointFormatVersion = 1;

struct CheckpointInfo {
  int64_t epoch = 0;
  double metric = 0;  // the monitored metric at that epoch (val_acc)
};

// Throws IoError when the file cannot be written.
void save_checkpoint(const std::string& path, const torch::nn::Module& model, const torch::optim::Optimizer* optimizer,
                     const CheckpointInfo& info);

// Loads the model weights (and the optimizer state when `optimizer` is given). Throws
// TrainError naming the file when it is unreadable, of another format version, or does
// not fit the model.
CheckpointInfo load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer);

}  // namespace imgcls
