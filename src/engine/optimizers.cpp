#include "engine/optimizers.hpp"

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include <cmath>
#include <map>
#include <stdexcept>
#include <utility>

#include "engine/fused_adam.hpp"
#include "imgcls/config/config.hpp"
#include "models/classifier.hpp"

namespace imgcls {

namespace {

std::unique_ptr<torch::optim::Optimizer> make_single(const OptimizerConfig& o, std::vector<at::Tensor> params) {
  namespace optim = torch::optim;
  if (o.name == "sgd")
    return std::make_unique<optim::SGD>(params, optim::SGDOptions(o.lr)
                                                    .momentum(o.momentum)
                                                    .dampening(o.dampening)
                                                    .nesterov(o.nesterov)
                                                    .weight_decay(o.weight_decay));
  const bool fused = uses_fused_kernel(o);
  if (o.name == "adamw") {
    const auto options =
        optim::AdamWOptions(o.lr).betas({o.betas.at(0), o.betas.at(1)}).eps(o.eps).weight_decay(o.weight_decay);
    if (fused) return std::make_unique<FusedAdamW>(params, options);
    return std::make_unique<optim::AdamW>(params, options);
  }
  if (o.name == "rmsprop")
    return std::make_unique<optim::RMSprop>(params, optim::RMSpropOptions(o.lr)
                                                        .alpha(o.alpha)
                                                        .eps(o.eps)
                                                        .momentum(o.momentum)
                                                        .weight_decay(o.weight_decay));
  const auto options =
      optim::AdamOptions(o.lr).betas({o.betas.at(0), o.betas.at(1)}).eps(o.eps).weight_decay(o.weight_decay);
  if (fused) return std::make_unique<FusedAdam>(params, options);
  return std::make_unique<optim::Adam>(params, options);
}

// The weight decay of one group's options (each optimizer has its own options type).
void set_weight_decay(torch::optim::OptimizerOptions& options, double weight_decay) {
  namespace optim = torch::optim;
  if (auto* sgd = dynamic_cast<optim::SGDOptions*>(&options))
    sgd->weight_decay(weight_decay);
  else if (auto* adamw = dynamic_cast<optim::AdamWOptions*>(&options))
    adamw->weight_decay(weight_decay);
  else if (auto* adam = dynamic_cast<optim::AdamOptions*>(&options))
    adam->weight_decay(weight_decay);
  else if (auto* rmsprop = dynamic_cast<optim::RMSpropOptions*>(&options))
    rmsprop->weight_decay(weight_decay);
  else
    throw std::logic_error("set_weight_decay: unknown optimizer options");
}

enum Kind { kCommon = 0, kNorm = 1, kBias = 2 };

// Each parameter's kind, keyed by the tensor's storage: torchvision's _add_params walk.
void classify(const torch::nn::Module& module, const OptimizerConfig& o, std::map<const void*, Kind>& kinds) {
  const bool norm = is_norm_module(module);
  for (const auto& p : module.named_parameters(/*recurse=*/false)) {
    Kind k = kCommon;
    if (!std::isnan(o.bias_weight_decay) && p.key() == "bias")
      k = kBias;
    else if (!std::isnan(o.norm_weight_decay) && norm)
      k = kNorm;
    kinds[p.value().unsafeGetTensorImpl()] = k;
  }
  for (const auto& child : module.children()) classify(*child, o, kinds);
}

}  // namespace

bool uses_fused_kernel(const OptimizerConfig& config) {
  return (config.name == "adam" || config.name == "adamw") && config.fused != "false";
}

bool is_norm_module(const torch::nn::Module& module) {
  const auto& name = module.name();
  for (const char* norm : {"BatchNorm", "LayerNorm", "GroupNorm", "InstanceNorm", "LocalResponseNorm"})
    if (name.find(norm) != std::string::npos) return true;
  return false;
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& o, std::vector<ParamGroup> groups) {
  // Built with the first group, then each further group added with its own learning rate
  // (options cloned from the optimizer's defaults).
  auto optimizer = make_single(o, groups.at(0).params);
  set_lr(*optimizer, o.lr, {groups[0].lr_scale});
  if (!std::isnan(groups[0].weight_decay))
    set_weight_decay(optimizer->param_groups()[0].options(), groups[0].weight_decay);
  for (std::size_t i = 1; i < groups.size(); ++i) {
    auto options = optimizer->defaults().clone();
    options->set_lr(o.lr * groups[i].lr_scale);
    if (!std::isnan(groups[i].weight_decay)) set_weight_decay(*options, groups[i].weight_decay);
    optimizer->add_param_group(torch::optim::OptimizerParamGroup(groups[i].params, std::move(options)));
  }
  return optimizer;
}

std::vector<ParamGroup> param_groups(ClassifierImpl& model, const OptimizerConfig& config) {
  auto split = split_parameters(model);
  std::vector<std::pair<std::vector<at::Tensor>, double>> blocks;  // tensors, lr scale
  if (split.head.empty() || split.backbone.empty() || config.backbone_lr_scale == 1.0)
    blocks.push_back({model.parameters(), 1.0});
  else
    blocks = {{split.head, 1.0}, {split.backbone, config.backbone_lr_scale}};
  std::map<const void*, Kind> kinds;
  classify(model, config, kinds);
  const double decay[] = {std::numeric_limits<double>::quiet_NaN(), config.norm_weight_decay, config.bias_weight_decay};
  std::vector<ParamGroup> groups;
  for (const auto& [params, scale] : blocks) {
    ParamGroup by_kind[3];
    for (const auto& p : params) by_kind[kinds.at(p.unsafeGetTensorImpl())].params.push_back(p);
    for (int k = 0; k < 3; ++k) {
      if (by_kind[k].params.empty()) continue;
      by_kind[k].lr_scale = scale;
      by_kind[k].weight_decay = decay[k];
      groups.push_back(std::move(by_kind[k]));
    }
  }
  return groups;
}

void set_lr(torch::optim::Optimizer& optimizer, double lr, const std::vector<double>& scales) {
  auto& groups = optimizer.param_groups();
  for (std::size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(lr * (i < scales.size() ? scales[i] : 1.0));
}

double get_lr(const torch::optim::Optimizer& optimizer) {
  return optimizer.param_groups().at(0).options().get_lr();
}

}  // namespace imgcls
