// Optimizers from the config (optimizer.*), with PyTorch's semantics: sgd (momentum,
// dampening, nesterov), adam, adamw, rmsprop (alpha, momentum); weight_decay for all.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <vector>

namespace torch {
namespace optim {
class Optimizer;
}
}  // namespace torch

namespace imgcls {

struct OptimizerConfig;

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& config, std::vector<at::Tensor> params);

// Sets the learning rate of every parameter group.
void set_lr(torch::optim::Optimizer& optimizer, double lr);
double get_lr(const torch::optim::Optimizer& optimizer);

}  // namespace imgcls
