// Optimizers from the config (optimizer.*), with PyTorch's semantics: sgd (momentum,
// dampening, nesterov), adam, adamw, rmsprop (alpha, momentum); weight_decay for all.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <vector>

#include "engine/torch_fwd.hpp"

namespace imgcls {

struct OptimizerConfig;

// One parameter group: its tensors and its learning rate as a multiple of optimizer.lr (the
// head trains at 1, a backbone at optimizer.backbone_lr_scale).
struct ParamGroup {
  std::vector<at::Tensor> params;
  double lr_scale = 1.0;
};

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& config, std::vector<ParamGroup> groups);

class ClassifierImpl;
// The parameter groups optimizer.* asks for: the whole model at lr x 1, or, with
// optimizer.backbone_lr_scale != 1 and a model that has a backbone, the head at x 1 and the
// backbone at x backbone_lr_scale.
std::vector<ParamGroup> param_groups(ClassifierImpl& model, const OptimizerConfig& config);

// Sets group i's learning rate to lr x its lr_scale (`scales` in make_optimizer's group order).
void set_lr(torch::optim::Optimizer& optimizer, double lr, const std::vector<double>& scales = {});
double get_lr(const torch::optim::Optimizer& optimizer);

}  // namespace imgcls
