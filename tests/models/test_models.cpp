#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <set>

#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "models/classifier.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

std::shared_ptr<ClassifierImpl> build(const std::string& overrides_yaml, const InputSpec& in) {
  const auto config = parse_config("data: {dataset: mnist}\nmodel: " + overrides_yaml + "\n", "m.yaml");
  return make_model(config, in);
}

// Parameter counts of the PyTorch reference modules (the seeds' classes) for the same model.*
// keys and inputs, printed by
//   ~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/reference_models.py counts
TEST(Models, ParameterCountsEqualPyTorch) {
  EXPECT_EQ(count_parameters(*build("{name: basic_cnn}", {1, 28, 28, 10})), 206922);
  EXPECT_EQ(count_parameters(*build("{name: complex_cnn}", {1, 28, 28, 10})), 870634);
  EXPECT_EQ(count_parameters(*build("{name: cifar10_cnn}", {3, 32, 32, 10})), 1116970);
  EXPECT_EQ(count_parameters(*build("{name: cifar_cnn, pooling: avg, hidden_size: 32}", {3, 32, 32, 3})), 21699);
  EXPECT_EQ(count_parameters(*build("{name: residual_cnn}", {3, 224, 224, 5})), 22352389);
  EXPECT_EQ(count_parameters(*build("{name: mlp, hidden: [1024, 512, 256, 128]}", {1, 28, 28, 10})), 1494154);
  EXPECT_EQ(count_parameters(*build("{name: mlp, hidden: [256]}", {1, 28, 28, 10})), 203530);
  EXPECT_EQ(count_parameters(*build("{name: mlp, hidden: [512, 256]}", {1, 28, 28, 10})), 535818);
  EXPECT_EQ(count_parameters(*build("{name: vgg_cnn, widths: [32, 64], blocks: 1, hidden: [256], dropout: 0.3}",
                                    {1, 28, 28, 10})),
            824650);
}

TEST(Models, BaselineCnnComputesItsFlattenSize) {
  torch::manual_seed(0);
  // 207,175,365 on 3x224x224 with 5 classes (the seeds' Linear(256*28*28, 1024); `reference_models.py counts`).
  EXPECT_EQ(count_parameters(*build("{name: baseline_cnn}", {3, 224, 224, 5})), 207175365);
  auto small = build("{name: baseline_cnn}", {3, 32, 32, 5});
  EXPECT_EQ(small->forward(torch::randn({2, 3, 32, 32})).sizes(), (std::vector<int64_t>{2, 5}));
}

TEST(Models, EveryModelGivesLogitsForItsInput) {
  torch::manual_seed(0);  // weights and inputs
  const std::vector<std::pair<std::string, InputSpec>> cases = {
      {"{name: basic_cnn}", {1, 28, 28, 10}},
      {"{name: complex_cnn}", {1, 28, 28, 10}},
      {"{name: cifar10_cnn}", {3, 32, 32, 10}},
      {"{name: cifar_cnn, pooling: avg}", {3, 32, 32, 3}},
      {"{name: cifar_cnn, pooling: max}", {3, 32, 32, 3}},
      {"{name: cifar_cnn, pooling: stride}", {3, 32, 32, 3}},
      {"{name: residual_cnn, widths: [16, 32], blocks: 1, stem_channels: 8}", {3, 64, 64, 5}},
      {"{name: mlp, hidden: [64, 32], activation: tanh, dropout: 0.2}", {1, 28, 28, 10}},
      {"{name: vgg_cnn, widths: [8, 16, 32], blocks: 2, hidden: [64, 32], dropout: 0.1}", {3, 32, 32, 7}},
  };
  for (const auto& [yaml, in] : cases) {
    auto model = build(yaml, in);
    const auto y = model->forward(torch::randn({3, in.channels, in.height, in.width}));
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{3, in.num_classes})) << yaml;
    EXPECT_TRUE(torch::isfinite(y).all().item<bool>()) << yaml;
  }
}

TEST(Models, PoolingTacticsDiffer) {
  // `reference_models.py counts`: 24,003 (stride), 21,699 (max, avg).
  // stride: the second conv halves 8x8 to 4x4 and the head sees 64*16 features; max and avg
  // pool to 2x2 (64*4 features), as seed 001's three experiments.
  EXPECT_EQ(count_parameters(*build("{name: cifar_cnn, pooling: stride}", {3, 32, 32, 3})), 2432 + 18496 + 1024 * 3 + 3);
  EXPECT_EQ(count_parameters(*build("{name: cifar_cnn, pooling: max}", {3, 32, 32, 3})), 21699);
}

TEST(Models, InitSchemes) {
  torch::manual_seed(0);
  auto kaiming = build("{name: mlp, hidden: [512], init: kaiming}", {1, 28, 28, 10});
  const auto w = kaiming->named_parameters()["layers.0.weight"];
  // He normal, fan_in 784: std = sqrt(2 / 784) = 0.0505
  EXPECT_NEAR(w.std().item<double>(), std::sqrt(2.0 / 784), 0.002);
  EXPECT_EQ(kaiming->named_parameters()["layers.0.bias"].abs().sum().item<double>(), 0.0);
  auto xavier = build("{name: mlp, hidden: [512], init: xavier}", {1, 28, 28, 10});
  // Glorot uniform: bound sqrt(6 / (784 + 512)) = 0.068
  EXPECT_LE(xavier->named_parameters()["layers.0.weight"].abs().max().item<double>(), std::sqrt(6.0 / 1296) + 1e-6);
  auto def = build("{name: mlp, hidden: [512]}", {1, 28, 28, 10});
  // PyTorch's default: kaiming_uniform(a=sqrt(5)): bound 1/sqrt(784) = 0.0357
  EXPECT_LE(def->named_parameters()["layers.0.weight"].abs().max().item<double>(), 1 / std::sqrt(784.0) + 1e-6);
}

TEST(Models, BadParametersAreConfigErrors) {
  EXPECT_THROW(build("{name: residual_cnn}", {3, 2, 2, 5}), ConfigError);
  EXPECT_THROW(build("{name: cifar_cnn}", {3, 4, 4, 5}), ConfigError);
  // Too small an input: the layer that fails, what reaches it, and the size that would do.
  try {
    build("{name: basic_cnn}", {1, 2, 2, 10});
    FAIL();
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("m.yaml:2: model.name: basic_cnn on 1x2x2 inputs: layer features.5 (MaxPool2d) cannot take "
                        "its 32x1x1 input: ", 0), 0u) << msg;
    EXPECT_NE(msg.find("; it needs inputs of at least 4x4 (resize them in data.train_transforms and "
                       "data.val_transforms)"), std::string::npos) << msg;
  }
  // residual_cnn's stages end in max-pools: the probe finds what a formula would have to know.
  try {
    build("{name: residual_cnn, widths: [8, 8, 8], stem_channels: 8}", {3, 8, 8, 5});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("layer features.15 (MaxPool2d) cannot take its 8x1x1 input"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("at least 13x13"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(build("{name: residual_cnn, widths: [8, 8, 8], stem_channels: 8}", {3, 13, 13, 5}));
  EXPECT_NO_THROW(build("{name: complex_cnn}", {1, 4, 4, 10}));
}

TEST(Models, KeysTheModelDoesNotTakeAreRejected) {
  try {
    build("{name: basic_cnn, pooling: max}", {1, 28, 28, 10});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "m.yaml:2: model.pooling: basic_cnn does not take this key (it takes none besides model.init); "
              "remove it from the config, or add model.pooling=null to the command line");
  }
  // Several: the fix names every one.
  EXPECT_NE(test::message_of<ConfigError>([] {
              build("{name: baseline_cnn, path: a.pt, freeze_backbone: true}", {3, 32, 32, 5});
            })
                .find("; remove model.path, model.freeze_backbone from the config, or add model.path=null "
                      "model.freeze_backbone=null to the command line"),
            std::string::npos);
  EXPECT_THROW(build("{name: mlp, widths: [8]}", {1, 28, 28, 10}), ConfigError);
  // Defaults of other models' keys, as a resolved config.yaml lists them, are fine.
  EXPECT_NO_THROW(build("{name: mlp, pooling: avg, widths: [128, 256, 512]}", {1, 28, 28, 10}));
}

TEST(Models, EveryTableRowHasAFactoryAndEveryFactoryARow) {
  // model_table.cpp (torch-free, read by the config schema) and the registry's factories.
  EXPECT_EQ(model_factory_names(), model_names());
  EXPECT_EQ(model_names().size(), model_table().size());
}

TEST(Models, TableKeysAreTheSchemasModelKeys) {
  // Every key a row names is a schema key, and every model.* key some model takes.
  const auto keys = config_keys();
  std::set<std::string> taken;
  for (const auto& m : model_table())
    for (const auto& key : m.keys) {
      EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << m.name << ": " << key;
      taken.insert(key);
    }
  for (const auto& key : keys) {
    if (key.rfind("model.", 0) == 0 && key != "model.name" && key != "model.init") {
      EXPECT_EQ(taken.count(key), 1u) << key << " is taken by no model";
    }
  }
}

TEST(Models, HeadAndBackboneSplit) {
  auto cnn = build("{name: basic_cnn}", {1, 28, 28, 10});
  const auto split = split_parameters(*cnn);
  EXPECT_EQ(split.head.size(), 4u);      // classifier.1 and classifier.3, weight and bias
  EXPECT_EQ(split.backbone.size(), 4u);  // features.0 and features.3
  EXPECT_TRUE(split_parameters(*build("{name: mlp}", {1, 28, 28, 10})).head.empty());
}

TEST(Summary, RowsAddUpToTheParameterCount) {
  for (const auto* yaml : {"{name: basic_cnn}", "{name: mlp, hidden: [64]}", "{name: cifar_cnn}"}) {
    const InputSpec in{3, 32, 32, 4};
    auto model = build(yaml, in);
    int64_t sum = 0;
    const auto rows = summarize(*model, in);
    for (const auto& r : rows) sum += r.parameters;
    EXPECT_EQ(sum, count_parameters(*model)) << yaml;
    EXPECT_EQ(rows.back().output_shape, (std::vector<int64_t>{1, 4})) << yaml;
  }
  const InputSpec in{1, 28, 28, 10};
  const auto rows = summarize(*build("{name: basic_cnn}", in), in);
  EXPECT_EQ(rows[0].name, "features.0");
  EXPECT_EQ(rows[0].type, "Conv2d");
  EXPECT_EQ(rows[0].output_shape, (std::vector<int64_t>{1, 16, 28, 28}));
  EXPECT_EQ(rows[0].parameters, 160);
}

}  // namespace
}  // namespace imgcls
