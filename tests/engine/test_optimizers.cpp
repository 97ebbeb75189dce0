// Each optimizer against torch.optim: parameter values after 3 steps on a fixed problem,
// printed by scripts/dev/optim_reference.py (torch 2.11.0) and pasted here.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "engine/optimizers.hpp"
#include "imgcls/config/config.hpp"

namespace imgcls {
namespace {

std::vector<double> three_steps(const std::string& optimizer_yaml) {
  const auto config =
      parse_config("data: {dataset: mnist}\nmodel: {name: basic_cnn}\noptimizer: " + optimizer_yaml + "\n", "o.yaml");
  auto w = torch::tensor({1.0, -2.0, 3.0}, torch::kDouble).requires_grad_(true);
  const auto x = torch::tensor({0.5, -1.5, 2.0}, torch::kDouble);
  auto opt = make_optimizer(config.optimizer, {ParamGroup{{w}, 1.0}});
  for (int i = 0; i < 3; ++i) {
    opt->zero_grad();
    const auto loss = (w * x).sum().pow(2) + w.pow(2).sum();
    loss.backward();
    opt->step();
  }
  const auto c = w.detach().contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + 3);
}

void expect_values(const std::string& yaml, const std::vector<double>& expected) {
  const auto got = three_steps(yaml);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(got[i], expected[i], 1e-9) << yaml << " [" << i << "]";
}

TEST(Optimizers, MatchTorchOptim) {
  expect_values("{name: sgd, lr: 0.01}", {0.7021815, -1.1653525, 1.867534});
  expect_values("{name: sgd, lr: 0.01, momentum: 0.9, nesterov: true, weight_decay: 0.1}",
                {0.282431783936, -0.010254445006999825, 0.29268622894300006});
  expect_values("{name: sgd, lr: 0.01, momentum: 0.9, dampening: 0.5}",
                {0.556565375, -0.7520381250000001, 1.3086035});
  expect_values("{name: adam, lr: 0.1, betas: [0.8, 0.99], eps: 1.0e-6}",
                {0.7011942254736276, -1.7009579620666944, 2.700903496883373});
  expect_values("{name: adam, lr: 0.1, weight_decay: 0.1}", {0.700664299559344, -1.700519135809077, 2.7004862203652755});
  expect_values("{name: adamw, lr: 0.1, weight_decay: 0.01}",
                {0.6979761204865778, -1.6948387919088603, 2.69180997701395});
  expect_values("{name: adamw, lr: 0.1}",  // weight_decay defaults to 0.01, as PyTorch's AdamW
                {0.6979761204865778, -1.6948387919088603, 2.69180997701395});
  expect_values("{name: rmsprop, lr: 0.01, alpha: 0.9, momentum: 0.5}",
                {0.8916583412802216, -1.8915484965768514, 2.8915224212540074});
}

TEST(Optimizers, ParameterGroupsKeepTheirLrScale) {
  const auto config = parse_config("data: {dataset: mnist}\nmodel: {name: basic_cnn}\noptimizer: {name: sgd, lr: 0.1}\n",
                                   "o.yaml");
  auto head = torch::ones({2}, torch::requires_grad()), backbone = torch::ones({2}, torch::requires_grad());
  auto opt = make_optimizer(config.optimizer, {ParamGroup{{head}, 1.0}, ParamGroup{{backbone}, 0.1}});
  ASSERT_EQ(opt->param_groups().size(), 2u);
  EXPECT_DOUBLE_EQ(opt->param_groups()[1].options().get_lr(), 0.01);
  (head.sum() + backbone.sum()).backward();
  opt->step();
  EXPECT_NEAR(head[0].item<double>(), 1 - 0.1, 1e-7);
  EXPECT_NEAR(backbone[0].item<double>(), 1 - 0.01, 1e-7);
  set_lr(*opt, 0.5, {1.0, 0.1});
  EXPECT_DOUBLE_EQ(get_lr(*opt), 0.5);
  EXPECT_DOUBLE_EQ(opt->param_groups()[1].options().get_lr(), 0.05);
}

}  // namespace
}  // namespace imgcls
