#include "engine/optimizers.hpp"

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include "imgcls/config/config.hpp"

namespace imgcls {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& o, std::vector<at::Tensor> params) {
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

void set_lr(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

double get_lr(const torch::optim::Optimizer& optimizer) {
  return optimizer.param_groups().at(0).options().get_lr();
}

}  // namespace imgcls
