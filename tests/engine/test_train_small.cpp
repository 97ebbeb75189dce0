// A short real training run: a few hundred real Fashion-MNIST images must be learnt well
// beyond chance (0.10).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "data/splits.hpp"
#include "engine/preflight.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/engine/trainer.hpp"
#include "imgcls/errors.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

TEST(TrainSmall, BasicCnnLearnsRealFashionMnist) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  auto config = parse_config(
      "name: small\nseed: 1\ndevice: cpu\n"
      "data: {dataset: fashion_mnist, root: /usr/share/datasets/fashion-mnist, limit: 800, val_split: 200, "
      "batch_size: 32}\n"
      "model: {name: basic_cnn}\noptimizer: {name: adam, lr: 0.002}\ntrain: {epochs: 4}\n",
      "small.yaml");
  Trainer trainer(config, TrainerOptions{dir / "run", /*quiet=*/true});
  const auto summary = trainer.train();
  EXPECT_EQ(summary.status, "completed");
  EXPECT_EQ(summary.epochs_run, 4);
  // Measured: about 0.75 on the 10k test images with these settings; 0.65 leaves room for
  // LibTorch versions and thread counts while still failing a model that does not learn.
  EXPECT_GT(summary.test_acc, 0.65);
  EXPECT_GT(summary.best_val_acc, 0.65);
  EXPECT_GE(summary.best_epoch, 1);
  EXPECT_TRUE(std::filesystem::exists(dir / "run/checkpoints/best.pt"));
}

TEST(TrainSmall, SameSeedSameResult) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  const auto config = parse_config(
      "seed: 3\ndevice: cpu\nthreads: 1\n"
      "data: {dataset: fashion_mnist, root: /usr/share/datasets/fashion-mnist, limit: 256, val_split: 64}\n"
      "model: {name: basic_cnn}\ntrain: {epochs: 1}\n",
      "s.yaml");
  Trainer a(config, TrainerOptions{dir / "a", true});
  Trainer b(config, TrainerOptions{dir / "b", true});
  a.train();
  b.train();
  // Every row but the timings: the same seed gives the same losses and accuracies.
  const auto rows = test::metrics_without_timing(dir / "a");
  EXPECT_EQ(std::count(rows.begin(), rows.end(), '\n'), 2) << rows;  // the header and epoch 1
  EXPECT_EQ(rows, test::metrics_without_timing(dir / "b"));
}

TEST(TrainSmall, DeviceResidentBatchesTrainLikeTheLoader) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  const auto text = [](const std::string& mode) {
    return "seed: 5\ndevice: cpu\nthreads: 1\n"
           "data: {dataset: fashion_mnist, root: /usr/share/datasets/fashion-mnist, limit: 600, val_split: 100, "
           "device_resident: " + mode + ",\n"
           "  train_transforms: [{random_crop: {size: 28, padding: 2}}, hflip, {normalize: {mean: 0.286, std: 0.353}}],\n"
           "  val_transforms: [{normalize: {mean: 0.286, std: 0.353}}]}\n"
           "model: {name: basic_cnn}\ntrain: {epochs: 2}\n";
  };
  Trainer host(parse_config(text("false"), "h.yaml"), TrainerOptions{dir / "host", true});
  Trainer device(parse_config(text("true"), "d.yaml"), TrainerOptions{dir / "device", true});
  const auto a = host.train();
  const auto b = device.train();
  // The same samples, augmentations and order; pixels equal up to float rounding of the
  // normalisation, so the runs agree to a few decimals.
  EXPECT_NEAR(a.test_acc, b.test_acc, 0.01);
  EXPECT_NEAR(a.best_val_acc, b.best_val_acc, 0.02);
  const auto rows_a = test::read_text(dir / "host/metrics.csv"), rows_b = test::read_text(dir / "device/metrics.csv");
  EXPECT_EQ(rows_a.substr(0, rows_a.find('\n')), rows_b.substr(0, rows_b.find('\n')));  // same header
}

// train.class_weights: balanced is scikit-learn's compute_class_weight("balanced", classes, y):
// for y with 4, 2 and 1 samples of classes 0, 1, 2, [7/12, 7/6, 7/3] (0.58333, 1.16667, 2.33333).
TEST(ClassWeights, BalancedIsSklearnsComputeClassWeightAndListsAreChecked) {
  auto config = parse_config(
      "data: {dataset: image_folder, root: /nowhere}\nmodel: {name: mlp}\n"
      "train: {class_weights: balanced}\n",
      "w.yaml");
  const auto w = resolve_class_weights(config, {4, 2, 1}, {"a", "b", "c"});
  ASSERT_EQ(w.size(), 3u);
  EXPECT_NEAR(w[0], 0.5833333333, 1e-9);
  EXPECT_NEAR(w[1], 1.1666666667, 1e-9);
  EXPECT_NEAR(w[2], 2.3333333333, 1e-9);
  EXPECT_NE(test::message_of<ConfigError>([&] {
              resolve_class_weights(config, {4, 0, 1}, {"a", "b", "c"});
            })
                .find("train.class_weights: balanced divides by each class's training images, but class 1 (b) has "
                      "none"),
            std::string::npos);
  // An image folder's class count is known only from its folders: checked here.
  config = parse_config(
      "data: {dataset: image_folder, root: /nowhere}\nmodel: {name: mlp}\n"
      "train: {class_weights: [1, 2]}\n",
      "w.yaml");
  EXPECT_EQ(test::message_of<ConfigError>([&] {
              resolve_class_weights(config, {4, 2, 1}, {"a", "b", "c"});
            }),
            "w.yaml:3: train.class_weights: 2 weights for 3 classes; allowed: none, balanced, or a list of 3 "
            "positive numbers in class-index order");
  EXPECT_EQ(resolve_class_weights(config, {4, 2}, {"a", "b"}), (std::vector<double>{1, 2}));
  config.train.class_weights = "none";
  EXPECT_TRUE(resolve_class_weights(config, {4, 0, 1}, {"a", "b", "c"}).empty());
}

// A run with both tools: summary.json records the weights it trained with (class-index order,
// sklearn's formula over the training split) and the sampler; the run trains as usual.
TEST(ClassWeights, RecordedInSummaryJson) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  const auto config = parse_config(
      "seed: 2\ndevice: cpu\nthreads: 1\n"
      "data: {dataset: fashion_mnist, root: /usr/share/datasets/fashion-mnist, limit: 300, val_split: 60, "
      "sampler: balanced}\n"
      "model: {name: mlp, hidden: [32]}\ntrain: {epochs: 1, class_weights: balanced}\n",
      "cw.yaml");
  const auto splits = make_splits(config);
  const auto counts = train_class_counts(splits.train);
  Trainer trainer(config, TrainerOptions{dir / "run", true});
  EXPECT_EQ(trainer.train().status, "completed");
  const auto summary = nlohmann::json::parse(test::read_text(dir / "run/summary.json"));
  ASSERT_EQ(summary["class_weights"].size(), 10u);
  EXPECT_EQ(summary["sampler"], "balanced");
  for (std::size_t c = 0; c < 10; ++c)
    EXPECT_NEAR(summary["class_weights"][c].get<double>(), 240.0 / (10.0 * static_cast<double>(counts[c])), 1e-9) << c;
  const auto rows = test::read_text(dir / "run/metrics.csv");
  EXPECT_NE(rows.find("val_macro_f1,val_balanced_acc"), std::string::npos);
}

}  // namespace
}  // namespace imgcls
