// TorchScript backbones: tests/fixtures/tiny_backbone_1ch.pt was written by
//   scripts/export_resnet.py --arch tiny --in-channels 1 --out tests/fixtures/tiny_backbone_1ch.pt
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "engine/checkpoint.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/engine/trainer.hpp"
#include "imgcls/errors.hpp"
#include "models/classifier.hpp"
#include "models/torchscript_backbone.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

const std::string kFixture = std::string(IMGCLS_SOURCE_DIR) + "/tests/fixtures/tiny_backbone_1ch.pt";
const InputSpec kInput{1, 28, 28, 10};

std::shared_ptr<ClassifierImpl> build(const std::string& model_yaml) {
  return make_model(parse_config("data: {dataset: fashion_mnist}\nmodel: " + model_yaml + "\n", "t.yaml"), kInput);
}

TEST(Torchscript, LoadsMetadataAndSizesTheHead) {
  torch::manual_seed(0);
  auto model = build("{name: torchscript, path: '" + kFixture + "'}");
  auto* ts = dynamic_cast<TorchscriptClassifierImpl*>(model.get());
  ASSERT_NE(ts, nullptr);
  EXPECT_EQ(ts->info().feature_size, 16);
  EXPECT_EQ(ts->info().arch, "tiny");
  EXPECT_EQ(model->forward(torch::randn({3, 1, 28, 28})).sizes(), (std::vector<int64_t>{3, 10}));
  // conv 8*1*9 + bn 2*8 + conv 16*8*9 + bn 2*16 = 1,272 backbone parameters; head 16*10 + 10.
  EXPECT_EQ(count_parameters(*model), 1272 + 170);
  const auto params = model->named_parameters();
  EXPECT_TRUE(params.contains("backbone.conv1.weight"));
  EXPECT_TRUE(params.contains("head.weight"));
  EXPECT_TRUE(model->named_buffers().contains("backbone.bn1.running_mean"));
  int64_t total = 0;
  for (const auto& row : summarize(*model, kInput)) total += row.parameters;
  EXPECT_EQ(total, count_parameters(*model));
}

// One SGD step on random data; returns copies of (backbone conv weight, BN running mean, head weight) before and after.
std::vector<std::pair<at::Tensor, at::Tensor>> one_step(ClassifierImpl& model) {
  auto named = [&](const std::string& k) -> at::Tensor {
    auto p = model.named_parameters();
    return p.contains(k) ? p[k].detach().clone() : model.named_buffers()[k].detach().clone();
  };
  const std::vector<std::string> keys = {"backbone.conv1.weight", "backbone.bn1.running_mean", "head.weight"};
  std::vector<at::Tensor> before;
  for (const auto& k : keys) before.push_back(named(k));
  torch::optim::SGD opt(model.parameters(), torch::optim::SGDOptions(0.5));
  model.train();
  torch::manual_seed(0);
  const auto loss = torch::nn::functional::cross_entropy(model.forward(torch::randn({8, 1, 28, 28})),
                                                         torch::randint(0, 10, {8}, torch::kLong));
  loss.backward();
  opt.step();
  std::vector<std::pair<at::Tensor, at::Tensor>> out;
  for (std::size_t i = 0; i < keys.size(); ++i) out.emplace_back(before[i], named(keys[i]));
  return out;
}

// The saved backbone replaces its file atomically: it loads back with the same weights, no
// temporary file stays, and a folder that does not exist is an IoError naming the path (it
// was LibTorch's own error from a direct write).
TEST(Torchscript, SavedBackboneIsWrittenAtomically) {
  test::TempDir dir;
  auto model = build("{name: torchscript, path: '" + kFixture + "'}");
  auto* ts = dynamic_cast<TorchscriptClassifierImpl*>(model.get());
  ASSERT_NE(ts, nullptr);
  test::write_text(dir / "out.pt", "an older file");
  ts->save_backbone(dir / "out.pt", "test");
  auto reloaded = build("{name: torchscript, path: '" + dir / "out.pt" + "'}");
  EXPECT_TRUE(torch::equal(model->named_parameters()["backbone.conv1.weight"],
                           reloaded->named_parameters()["backbone.conv1.weight"]));
  EXPECT_EQ(dynamic_cast<TorchscriptClassifierImpl*>(reloaded.get())->info().weights, "test");
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
  const auto missing = dir / "no-such-folder/out.pt";
  EXPECT_EQ(test::message_of<IoError>([&] {
              ts->save_backbone(missing, "test");
            }),
            missing + ": cannot write it: its folder " + dir / "no-such-folder" + " does not exist");
}

TEST(Torchscript, FrozenBackboneKeepsWeightsAndBatchNormStatistics) {
  auto frozen = build("{name: torchscript, path: '" + kFixture + "', freeze_backbone: true}");
  auto r = one_step(*frozen);
  EXPECT_TRUE(torch::equal(r[0].first, r[0].second)) << "backbone weights moved";
  EXPECT_TRUE(torch::equal(r[1].first, r[1].second)) << "BatchNorm statistics moved";
  EXPECT_FALSE(torch::equal(r[2].first, r[2].second)) << "the head did not train";
  EXPECT_EQ(count_parameters(*frozen, /*trainable_only=*/true), 170);

  auto tuned = build("{name: torchscript, path: '" + kFixture + "'}");
  r = one_step(*tuned);
  EXPECT_FALSE(torch::equal(r[0].first, r[0].second));
  EXPECT_FALSE(torch::equal(r[1].first, r[1].second));
}

TEST(Torchscript, BadFilesAreConfigErrorsAtTheirKey) {
  test::TempDir dir;
  test::write_text(dir / "junk.pt", "not a model");
  const auto error = [&](const std::string& yaml) -> std::string {
    return test::message_of<ConfigError>([&] { build(yaml); });
  };
  EXPECT_EQ(error("{name: torchscript, path: " + dir / "none.pt" + "}"),
            "t.yaml:2: model.path: '" + dir / "none.pt" + "' does not exist");
  EXPECT_EQ(error("{name: torchscript, path: " + dir / "junk.pt" + "}").rfind("t.yaml:2: model.path: '" + dir / "junk.pt" + "' is not a TorchScript file", 0), 0u);
  try {
    make_model(parse_config("data: {dataset: cifar10}\nmodel: {name: torchscript, path: '" + kFixture + "'}\n", "t.yaml"),
               InputSpec{3, 32, 32, 10});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("takes 1-channel images, the data has 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_config("data: {dataset: mnist}\nmodel: {name: torchscript}\n", "t.yaml"), ConfigError);
}

TEST(Torchscript, TrainExportAndReuseAsTheNextBackbone) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  auto config = parse_config("seed: 1\ndevice: cpu\ndata: {dataset: fashion_mnist, root: /usr/share/datasets/fashion-mnist, "
                             "limit: 600, val_split: 0.2, classes: [0, 1, 2, 3, 4]}\n"
                             "model: {name: torchscript, path: '" + kFixture + "'}\ntrain: {epochs: 1}\n",
                             "t.yaml");
  Trainer(config, TrainerOptions{dir / "first", true, false}).train();
  const auto r = test::run(std::string(IMGCLS_BINARY) + " export " + dir / "first" + " --torchscript " + dir / "tuned.pt");
  ASSERT_EQ(r.exit_code, 0) << r.output;

  // The exported backbone carries the fine-tuned weights.
  auto trained = make_model(config, InputSpec{1, 28, 28, 5});
  load_checkpoint(dir / "first/checkpoints/best.pt", *trained, nullptr);
  auto next_config = config;
  next_config.model.path = dir / "tuned.pt";
  auto reloaded = make_model(next_config, InputSpec{1, 28, 28, 5});
  EXPECT_TRUE(torch::equal(trained->named_parameters()["backbone.conv2.weight"],
                           reloaded->named_parameters()["backbone.conv2.weight"]));
  EXPECT_NE(dynamic_cast<TorchscriptClassifierImpl*>(reloaded.get())->info().weights.find("imgcls run"), std::string::npos);

  // Export refuses runs without a TorchScript backbone.
  auto cnn = config;
  cnn.model = ModelConfig{};
  cnn.model.name = "basic_cnn";
  Trainer(cnn, TrainerOptions{dir / "cnn", true, false}).train();
  EXPECT_EQ(test::run(std::string(IMGCLS_BINARY) + " export " + dir / "cnn" + " --torchscript " + dir / "x.pt").exit_code, 2);
}

}  // namespace
}  // namespace imgcls

namespace imgcls {
namespace {

TEST(Torchscript, NormalisationMismatchSaysWhatToAdd) {
  BackboneInfo imagenet;
  imagenet.mean = {0.485, 0.456, 0.406};
  imagenet.std = {0.229, 0.224, 0.225};
  EXPECT_EQ(normalisation_mismatch(imagenet, {0.485, 0.456, 0.4061}, {0.229, 0.224, 0.225}), "");
  const auto none = normalisation_mismatch(imagenet, {0, 0, 0}, {1, 1, 1});  // no normalize step
  EXPECT_EQ(none,
            "the backbone's weights expect inputs normalised with mean [0.485, 0.456, 0.406] std [0.229, 0.224, "
            "0.225], but data.val_transforms normalise with mean [0, 0, 0] std [1, 1, 1] (add - normalize: {mean: "
            "[0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]} to both transform lists)");
  EXPECT_NE(normalisation_mismatch(imagenet, {0.485, 0.456, 0.406}, {0.229, 0.224, 0.5}), "");  // std alone
  EXPECT_EQ(normalisation_mismatch(BackboneInfo{}, {0.5}, {0.5}), "");  // the file states nothing
}

}  // namespace
}  // namespace imgcls
