// A short real training run: a few hundred real Fashion-MNIST images must be learnt well
// beyond chance (0.10).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "imgcls/config/config.hpp"
#include "imgcls/engine/trainer.hpp"
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

}  // namespace
}  // namespace imgcls
