// Optimizers from the config (optimizer.*), with PyTorch's semantics: sgd (momentum,
// dampening, nesterov), adam, adamw, rmsprop (alpha, momentum); weight_decay for all. Adam and
// AdamW step with ATen's fused kernel unless optimizer.fused is false (engine/fused_adam.hpp).
#pragma once

#include <ATen/core/Tensor.h>

#include <limits>
#include <memory>
#include <vector>

#include "engine/torch_fwd.hpp"

namespace imgcls {

struct OptimizerConfig;

// One parameter group: its tensors, its learning rate as a multiple of optimizer.lr (the
// head trains at 1, a backbone at optimizer.backbone_lr_scale) and its weight decay (NaN:
// optimizer.weight_decay).
struct ParamGroup {
  std::vector<at::Tensor> params;
  double lr_scale = 1.0;
  double weight_decay = std::numeric_limits<double>::quiet_NaN();
};

// Whether make_optimizer steps with a fused kernel: adam or adamw with optimizer.fused auto or true.
bool uses_fused_kernel(const OptimizerConfig& config);

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& config, std::vector<ParamGroup> groups);

class ClassifierImpl;
// The parameter groups optimizer.* asks for: the whole model at lr x 1, or, with
// optimizer.backbone_lr_scale != 1 and a model that has a backbone, the head at x 1 and the
// backbone at x backbone_lr_scale. Each of those splits further, as torchvision's
// set_weight_decay: with optimizer.bias_weight_decay given, every parameter named `bias` goes
// to a group with that decay; with optimizer.norm_weight_decay given, the other parameters
// of normalisation layers (BatchNorm, LayerNorm, GroupNorm, InstanceNorm, LocalResponseNorm)
// to one with that. Order: head (common, norm, bias), then backbone (common, norm, bias);
// empty groups are left out, so without those keys the groups are as before.
std::vector<ParamGroup> param_groups(ClassifierImpl& model, const OptimizerConfig& config);

// Whether a module is a normalisation layer, by its LibTorch name ("torch::nn::BatchNorm2d")
// or, in a TorchScript backbone, its Python class ("__torch__.torch.nn.modules.batchnorm.BatchNorm2d").
bool is_norm_module(const torch::nn::Module& module);

// Sets group i's learning rate to lr x its lr_scale (`scales` in make_optimizer's group order).
void set_lr(torch::optim::Optimizer& optimizer, double lr, const std::vector<double>& scales = {});
double get_lr(const torch::optim::Optimizer& optimizer);

}  // namespace imgcls
