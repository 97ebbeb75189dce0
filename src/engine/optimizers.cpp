#include "engine/optimizers.hpp"

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

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
  if (o.name == "adamw")
    return std::make_unique<optim::AdamW>(params, optim::AdamWOptions(o.lr)
                                                      .betas({o.betas.at(0), o.betas.at(1)})
                                                      .eps(o.eps)
                                                      .weight_decay(o.weight_decay));
  if (o.name == "rmsprop")
    return std::make_unique<optim::RMSprop>(params, optim::RMSpropOptions(o.lr)
                                                        .alpha(o.alpha)
                                                        .eps(o.eps)
                                                        .momentum(o.momentum)
                                                        .weight_decay(o.weight_decay));
  return std::make_unique<optim::Adam>(
      params, optim::AdamOptions(o.lr).betas({o.betas.at(0), o.betas.at(1)}).eps(o.eps).weight_decay(o.weight_decay));
}

}  // namespace

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& o, std::vector<ParamGroup> groups) {
  // Built with the first group, then each further group added with its own learning rate
  // (options cloned from the optimizer's defaults).
  auto optimizer = make_single(o, groups.at(0).params);
  set_lr(*optimizer, o.lr, {groups[0].lr_scale});
  for (std::size_t i = 1; i < groups.size(); ++i) {
    auto options = optimizer->defaults().clone();
    options->set_lr(o.lr * groups[i].lr_scale);
    optimizer->add_param_group(torch::optim::OptimizerParamGroup(groups[i].params, std::move(options)));
  }
  return optimizer;
}

std::vector<ParamGroup> param_groups(ClassifierImpl& model, const OptimizerConfig& config) {
  auto split = split_parameters(model);
  if (split.head.empty() || split.backbone.empty() || config.backbone_lr_scale == 1.0)
    return {ParamGroup{model.parameters(), 1.0}};
  return {ParamGroup{split.head, 1.0}, ParamGroup{split.backbone, config.backbone_lr_scale}};
}

void set_lr(torch::optim::Optimizer& optimizer, double lr, const std::vector<double>& scales) {
  auto& groups = optimizer.param_groups();
  for (std::size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(lr * (i < scales.size() ? scales[i] : 1.0));
}

double get_lr(const torch::optim::Optimizer& optimizer) {
  return optimizer.param_groups().at(0).options().get_lr();
}

}  // namespace imgcls
