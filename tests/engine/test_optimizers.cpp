// Each optimizer against torch.optim: parameter values after 3 steps on a fixed problem,
// printed by scripts/dev/optim_reference.py (torch 2.11.0) and pasted here.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <map>
#include <sstream>

#include "engine/fused_adam.hpp"
#include "engine/optimizers.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "models/classifier.hpp"
#include "test_util.hpp"
#include "util/strings.hpp"

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
  // Adam and AdamW fuse by default; PyTorch's fused=True and its loop agree to the last bit here.
  expect_values("{name: adam, lr: 0.1, weight_decay: 0.1, fused: false}",
                {0.700664299559344, -1.700519135809077, 2.7004862203652755});
  expect_values("{name: adamw, lr: 0.1, weight_decay: 0.01, fused: false}",
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

// Each group as "weight_decay lr_scale: names", in order.
std::vector<std::string> describe_groups(const std::string& optimizer_yaml) {
  const auto config = parse_config(
      "data: {dataset: mnist}\nmodel: {name: residual_cnn, widths: [8, 16], blocks: 1, stem_channels: 8}\n"
      "optimizer: " +
          optimizer_yaml + "\n",
      "o.yaml");
  auto model = make_model(config, InputSpec{1, 28, 28, 10});
  std::map<const void*, std::string> names;
  for (const auto& p : model->named_parameters()) names[p.value().unsafeGetTensorImpl()] = p.key();
  const auto groups = param_groups(*model, config.optimizer);
  auto opt = make_optimizer(config.optimizer, groups);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    std::vector<std::string> group_names;
    for (const auto& p : opt->param_groups()[i].params()) group_names.push_back(names.at(p.unsafeGetTensorImpl()));
    const auto& o = static_cast<const torch::optim::SGDOptions&>(opt->param_groups()[i].options());
    out.push_back(shortest_text(o.weight_decay()) + " x" + shortest_text(groups[i].lr_scale) + ": " +
                  join(group_names, " "));
  }
  return out;
}

// The groups of torchvision's set_weight_decay (references/classification/utils.py, with
// train.py's --norm-weight-decay and --bias-weight-decay) for the same module tree, printed by
// scripts/dev/weight_decay_groups_reference.py.
TEST(Optimizers, WeightDecayGroupsMatchTorchvision) {
  const std::string conv_weights =
      "features.0.weight features.4.weight features.7.conv1.weight "
      "features.7.conv2.weight features.9.weight features.12.conv1.weight "
      "features.12.conv2.weight";
  const std::string norm_weights =
      "features.1.weight features.5.weight features.7.bn1.weight features.7.bn2.weight "
      "features.10.weight features.12.bn1.weight features.12.bn2.weight";
  const std::string biases =
      "features.0.bias features.1.bias features.4.bias features.5.bias features.7.conv1.bias features.7.bn1.bias "
      "features.7.conv2.bias features.7.bn2.bias features.9.bias features.10.bias features.12.conv1.bias "
      "features.12.bn1.bias features.12.conv2.bias features.12.bn2.bias classifier.2.bias classifier.5.bias";
  EXPECT_EQ(describe_groups("{name: sgd, weight_decay: 0.05, norm_weight_decay: 0}"),
            (std::vector<std::string>{
                "0.05 x1: features.0.weight features.0.bias features.4.weight features.4.bias features.7.conv1.weight "
                "features.7.conv1.bias features.7.conv2.weight features.7.conv2.bias features.9.weight "
                "features.9.bias features.12.conv1.weight features.12.conv1.bias features.12.conv2.weight "
                "features.12.conv2.bias classifier.2.weight classifier.2.bias classifier.5.weight classifier.5.bias",
                "0 x1: features.1.weight features.1.bias features.5.weight features.5.bias features.7.bn1.weight "
                "features.7.bn1.bias features.7.bn2.weight features.7.bn2.bias features.10.weight features.10.bias "
                "features.12.bn1.weight features.12.bn1.bias features.12.bn2.weight features.12.bn2.bias"}));
  EXPECT_EQ(describe_groups("{name: sgd, weight_decay: 0.05, bias_weight_decay: 0}"),
            (std::vector<std::string>{
                "0.05 x1: features.0.weight features.1.weight features.4.weight features.5.weight "
                "features.7.conv1.weight features.7.bn1.weight features.7.conv2.weight features.7.bn2.weight "
                "features.9.weight features.10.weight features.12.conv1.weight features.12.bn1.weight "
                "features.12.conv2.weight features.12.bn2.weight classifier.2.weight classifier.5.weight",
                "0 x1: " + biases}));
  EXPECT_EQ(describe_groups("{name: sgd, weight_decay: 0.05, norm_weight_decay: 0.001, bias_weight_decay: 0}"),
            (std::vector<std::string>{"0.05 x1: " + conv_weights + " classifier.2.weight classifier.5.weight",
                                      "0.001 x1: " + norm_weights, "0 x1: " + biases}));
  // Unset: one group at weight_decay, as before these keys existed.
  EXPECT_EQ(describe_groups("{name: sgd, weight_decay: 0.05}").size(), 1u);
}

TEST(Optimizers, WeightDecayGroupsSplitHeadAndBackbone) {
  const auto groups = describe_groups(
      "{name: sgd, weight_decay: 0.05, backbone_lr_scale: 0.1, norm_weight_decay: 0.001, "
      "bias_weight_decay: 0}");
  ASSERT_EQ(groups.size(), 5u);  // the head has no normalisation layer
  EXPECT_EQ(groups[0], "0.05 x1: classifier.2.weight classifier.5.weight");
  EXPECT_EQ(groups[1], "0 x1: classifier.2.bias classifier.5.bias");
  EXPECT_EQ(groups[2].substr(0, 26), "0.05 x0.1: features.0.weig");
  EXPECT_EQ(groups[3].substr(0, 30), "0.001 x0.1: features.1.weight ");
  EXPECT_EQ(groups[4].substr(0, 25), "0 x0.1: features.0.bias f");
}

TEST(Optimizers, NormAndBiasWeightDecayAreNullUntilGiven) {
  const std::string base = "data: {dataset: mnist}\nmodel: {name: basic_cnn}\n";
  auto c = parse_config(base, "o.yaml");
  EXPECT_TRUE(std::isnan(c.optimizer.norm_weight_decay));
  EXPECT_NE(to_yaml(c).find("norm_weight_decay: null"), std::string::npos) << to_yaml(c);
  EXPECT_TRUE(std::isnan(parse_config(to_yaml(c), "resolved.yaml").optimizer.bias_weight_decay));
  c = parse_config(base + "optimizer: {norm_weight_decay: 0, bias_weight_decay: 1.0e-5}\n", "o.yaml");
  const auto again = parse_config(to_yaml(c), "resolved.yaml");
  EXPECT_EQ(again.optimizer.norm_weight_decay, 0.0);
  EXPECT_EQ(again.optimizer.bias_weight_decay, 1e-5);
  EXPECT_TRUE(
      std::isnan(parse_config(base, "o.yaml", {"optimizer.norm_weight_decay=null"}).optimizer.norm_weight_decay));
  try {
    parse_config(base + "optimizer:\n  norm_weight_decay: -1\n", "o.yaml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("o.yaml:4: optimizer.norm_weight_decay: expected a non-negative number, or "
                                          "null (= optimizer.weight_decay)",
                                          0),
              0u)
        << e.what();
  }
}

TEST(Optimizers, WeightDecayOfAGroupIsApplied) {
  // One step of SGD on a zero gradient: w <- w - lr * weight_decay * w, per group.
  const auto config =
      parse_config("data: {dataset: mnist}\nmodel: {name: basic_cnn}\noptimizer: {name: adamw, lr: 0.1}\n", "o.yaml");
  auto a = torch::ones({2}, torch::requires_grad()), b = torch::ones({2}, torch::requires_grad());
  auto opt = make_optimizer(config.optimizer, {ParamGroup{{a}, 1.0}, ParamGroup{{b}, 1.0, 0.0}});
  (a.sum() * 0 + b.sum() * 0).backward();
  opt->step();
  EXPECT_NEAR(a[0].item<double>(), 1 - 0.1 * 0.01, 1e-7);  // AdamW's default 0.01
  EXPECT_NEAR(b[0].item<double>(), 1.0, 1e-7);
}

OptimizerConfig optimizer_of(const std::string& yaml) {
  return parse_config("data: {dataset: mnist}\nmodel: {name: basic_cnn}\noptimizer: " + yaml + "\n", "o.yaml")
      .optimizer;
}

TEST(Optimizers, AdamAndAdamWFuseUnlessToldNot) {
  auto w = torch::ones({2}, torch::requires_grad());
  const auto kind = [&](const std::string& yaml) -> std::string {
    const auto opt = make_optimizer(optimizer_of(yaml), {ParamGroup{{w}, 1.0}});
    if (dynamic_cast<FusedAdam*>(opt.get())) return "fused adam";
    if (dynamic_cast<FusedAdamW*>(opt.get())) return "fused adamw";
    if (dynamic_cast<torch::optim::Adam*>(opt.get())) return "adam";
    if (dynamic_cast<torch::optim::AdamW*>(opt.get())) return "adamw";
    return "other";
  };
  EXPECT_EQ(kind("{name: adam}"), "fused adam");
  EXPECT_EQ(kind("{name: adam, fused: true}"), "fused adam");
  EXPECT_EQ(kind("{name: adam, fused: false}"), "adam");
  EXPECT_EQ(kind("{name: adamw}"), "fused adamw");
  EXPECT_EQ(kind("{name: adamw, fused: false}"), "adamw");
  EXPECT_EQ(kind("{name: sgd}"), "other");  // auto: no fused SGD here
  EXPECT_FALSE(uses_fused_kernel(optimizer_of("{name: rmsprop}")));
  const auto message = test::message_of<ConfigError>([] { optimizer_of("{name: sgd, fused: true}"); });
  EXPECT_NE(message.find("optimizer.fused: true needs optimizer.name adam or adamw"), std::string::npos) << message;
}

// The fused kernel walks the raw memory of parameter, gradient and state together, so they must
// share a layout. A channels_last parameter with a contiguous gradient, or with state read back
// contiguous from a checkpoint, steps exactly as an all-contiguous one.
TEST(Optimizers, FusedAdamTakesAnyDenseLayout) {
  torch::manual_seed(3);
  const auto start = torch::randn({4, 3, 2, 2});
  std::vector<at::Tensor> grads;
  for (int i = 0; i < 3; ++i) grads.push_back(torch::randn({4, 3, 2, 2}));
  for (const std::string name : {"adam", "adamw"}) {
    const auto config = optimizer_of("{name: " + name + ", lr: 0.1, weight_decay: 0.01}");
    auto plain = start.clone().requires_grad_(true);
    auto mixed = start.clone().contiguous(at::MemoryFormat::ChannelsLast).requires_grad_(true);
    ASSERT_NE(mixed.strides(), plain.strides());
    auto a = make_optimizer(config, {ParamGroup{{plain}, 1.0}});
    auto b = make_optimizer(config, {ParamGroup{{mixed}, 1.0}});
    for (int i = 0; i < 3; ++i) {
      plain.mutable_grad() = grads[i].clone();
      // Step 1: a gradient in the parameter's layout; 2 and 3: a contiguous one.
      mixed.mutable_grad() = i == 0 ? grads[i].contiguous(at::MemoryFormat::ChannelsLast) : grads[i].clone();
      a->step();
      b->step();
      if (i == 0)  // as a checkpoint reads it back: contiguous state
        for (auto& [key, state] : b->state()) {
          const auto make_contiguous = [](auto& s) {
            s.exp_avg(s.exp_avg().contiguous());
            s.exp_avg_sq(s.exp_avg_sq().contiguous());
          };
          if (name == "adam")
            make_contiguous(static_cast<torch::optim::AdamParamState&>(*state));
          else  // AdamW has a state type of its own
            make_contiguous(static_cast<torch::optim::AdamWParamState&>(*state));
        }
    }
    EXPECT_TRUE(torch::equal(plain.detach(), mixed.detach().contiguous())) << name;
    EXPECT_EQ(mixed.strides(), start.contiguous(at::MemoryFormat::ChannelsLast).strides()) << name;
    // Against LibTorch's per-tensor loop: the same update but for rounding.
    auto loop_param = start.clone().requires_grad_(true);
    auto loop = make_optimizer(optimizer_of("{name: " + name + ", lr: 0.1, weight_decay: 0.01, fused: false}"),
                               {ParamGroup{{loop_param}, 1.0}});
    for (int i = 0; i < 3; ++i) {
      loop_param.mutable_grad() = grads[i].clone();
      loop->step();
    }
    EXPECT_TRUE(torch::allclose(plain.detach(), loop_param.detach(), 0, 1e-6)) << name;
    EXPECT_FALSE(torch::equal(plain.detach(), start)) << name;
  }
}

// The same state and save format as torch::optim::Adam: a checkpoint written with either
// optimizer reads into the other and counts on from its step.
TEST(Optimizers, FusedAdamReadsAndWritesAdamsState) {
  auto w = torch::tensor({1.0f, -2.0f, 3.0f}, torch::requires_grad());
  auto loop = make_optimizer(optimizer_of("{name: adam, lr: 0.1, fused: false}"), {ParamGroup{{w}, 1.0}});
  for (int i = 0; i < 2; ++i) {
    w.mutable_grad() = torch::tensor({0.5f, -1.0f, 2.0f});
    loop->step();
  }
  std::stringstream bytes;
  {
    torch::serialize::OutputArchive out;
    loop->save(out);
    out.save_to(bytes);
  }
  auto fused = make_optimizer(optimizer_of("{name: adam, lr: 0.1}"), {ParamGroup{{w}, 1.0}});
  torch::serialize::InputArchive in;
  in.load_from(bytes);
  fused->load(in);
  w.mutable_grad() = torch::tensor({0.5f, -1.0f, 2.0f});
  fused->step();
  const auto& state = static_cast<torch::optim::AdamParamState&>(*fused->state().begin()->second);
  EXPECT_EQ(state.step(), 3);
  const auto& loaded = static_cast<torch::optim::AdamParamState&>(*loop->state().begin()->second);
  EXPECT_FALSE(torch::equal(state.exp_avg(), loaded.exp_avg()));  // moved on from the loaded state
}

}  // namespace
}  // namespace imgcls
