#include <gtest/gtest.h>
#include <torch/torch.h>

#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "models/basic_cnn.hpp"
#include "models/classifier.hpp"

namespace imgcls {
namespace {

TEST(BasicCNN, ParameterCountEqualsPyTorch) {
  // nn.Sequential(Conv2d(1,16,3,p=1), ReLU, MaxPool2d(2), Conv2d(16,32,3,p=1), ReLU, MaxPool2d(2)),
  // nn.Sequential(Flatten, Linear(7*7*32,128), ReLU, Linear(128,10)): 206,922 in PyTorch
  // (~/.cache/imgcls/venv-torch2.11.0/bin/python scripts/reference_models.py counts).
  BasicCNN model(InputSpec{1, 28, 28, 10});
  EXPECT_EQ(count_parameters(*model), 206922);
}

TEST(BasicCNN, OutputShapeAndParameterNames) {
  torch::manual_seed(0);
  BasicCNN model(InputSpec{1, 28, 28, 10});
  EXPECT_EQ(model->forward(torch::randn({5, 1, 28, 28})).sizes(), (std::vector<int64_t>{5, 10}));
  std::vector<std::string> names;
  for (const auto& p : model->named_parameters()) names.push_back(p.key());
  // The same names as the PyTorch module, so weights can move between the two.
  EXPECT_EQ(names, (std::vector<std::string>{"features.0.weight", "features.0.bias", "features.3.weight",
                                             "features.3.bias", "classifier.1.weight", "classifier.1.bias",
                                             "classifier.3.weight", "classifier.3.bias"}));
}

TEST(BasicCNN, FlattenSizeFollowsTheInput) {
  torch::manual_seed(0);
  BasicCNN model(InputSpec{3, 32, 32, 4});
  EXPECT_EQ(model->forward(torch::randn({2, 3, 32, 32})).sizes(), (std::vector<int64_t>{2, 4}));
  EXPECT_THROW(BasicCNN(InputSpec{1, 2, 2, 10}), ConfigError);
}

TEST(Registry, BuildsEverySchemaModel) {
  const auto config = parse_config("data: {dataset: mnist}\nmodel: {name: basic_cnn}\n", "c.yaml");
  EXPECT_EQ(count_parameters(*make_model(config, InputSpec{})), 206922);
  // Every model.name the config schema accepts has a factory.
  for (const auto& name : model_names())
    EXPECT_NO_THROW(parse_config("data: {dataset: mnist}\nmodel: {name: " + name + ", path: x.pt}\n", "c.yaml"))
        << name;
  EXPECT_EQ(model_names().size(), 9u);
}

}  // namespace
}  // namespace imgcls
