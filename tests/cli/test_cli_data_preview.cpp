// `imgcls data preview` run as a user runs it: the grid PNG of augmented training samples,
// the same picture for the same seed and epoch, another for another epoch; bad augmentation
// settings stop it with one line and exit 2 before anything is written.
#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "imgcls/data/idx.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

const std::string kBinary = IMGCLS_BINARY;

// MNIST-format files of 28x28 gradients with a noise square, label i % 10.
void write_mnist(const std::string& root, int n) {
  fs::create_directories(root);
  cv::RNG rng(3);
  for (const char* prefix : {"train", "t10k"}) {
    IdxArray im{{n, 28, 28}, {}}, lb{{n}, {}};
    for (int i = 0; i < n; ++i) {
      for (int y = 0; y < 28; ++y)
        for (int x = 0; x < 28; ++x)
          im.data.push_back(static_cast<uint8_t>(x > 8 && x < 20 && y > 8 && y < 20 ? rng.uniform(0, 256) : 8 * x + y));
      lb.data.push_back(static_cast<uint8_t>(i % 10));
    }
    write_idx(root + "/" + prefix + "-images-idx3-ubyte", im);
    write_idx(root + "/" + prefix + "-labels-idx1-ubyte", lb);
  }
}

std::string config(const test::TempDir& dir, const std::string& transforms) {
  const auto path = dir / "c.yaml";
  test::write_text(path, "name: prev\ndata:\n  dataset: mnist\n  root: " + dir / "mnist" + "\n  train_transforms:\n" +
                             transforms + "model: {name: mlp}\n");
  return path;
}

TEST(CliDataPreview, WritesTheSeededGridOfAugmentedSamples) {
  test::TempDir dir;
  write_mnist(dir / "mnist", 40);
  const auto cfg = config(dir,
                          "    - random_crop: {size: 28, padding: 2}\n    - rand_augment: {num_ops: 2, magnitude: 15}\n"
                          "    - normalize: {mean: 0.5, std: 0.5}\n    - random_erasing: {p: 0.5, value: 1}\n");
  const auto r = test::run(kBinary + " data preview " + cfg + " -n 12 --out " + dir / "a.png");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("12 images of the train split (epoch 0) written to " + dir / "a.png"), std::string::npos)
      << r.output;
  const auto a = cv::imread(dir / "a.png", cv::IMREAD_COLOR);
  ASSERT_FALSE(a.empty());
  EXPECT_GT(a.cols, 3 * 96);
  ASSERT_EQ(test::run(kBinary + " data preview " + cfg + " -n 12 --out " + dir / "b.png").exit_code, 0);
  EXPECT_EQ(test::read_text(dir / "a.png"), test::read_text(dir / "b.png"));  // seeded
  ASSERT_EQ(test::run(kBinary + " data preview " + cfg + " -n 12 --epoch 1 --out " + dir / "c.png").exit_code, 0);
  EXPECT_NE(test::read_text(dir / "a.png"), test::read_text(dir / "c.png"));  // another epoch's draws
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
}

TEST(CliDataPreview, BadAugmentationSettingsExitTwoWithOneLine) {
  test::TempDir dir;
  write_mnist(dir / "mnist", 10);
  for (const auto& [items, message] : std::vector<std::pair<std::string, std::string>>{
           {"    - auto_augment: {policy: mnist}\n",
            "data.train_transforms[0].auto_augment.policy: expected one of imagenet, cifar10, svhn, got 'mnist'"},
           {"    - rand_augment: {magnitude: 40}\n",
            "data.train_transforms[0].rand_augment.magnitude: expected an integer bin in [0, 30]"},
           {"    - random_erasing\n    - normalize: {mean: 0.5, std: 0.5}\n",
            "data.train_transforms[0].random_erasing: random_erasing must come after normalize"}}) {
    const auto cfg = config(dir, items);
    for (const char* command : {" data preview ", " train "}) {
      const auto r = test::run(kBinary + command + cfg + " --out " + dir / "x.png");
      SCOPED_TRACE(command + items);
      EXPECT_EQ(r.exit_code, 2) << r.output;
      EXPECT_NE(r.output.find(message), std::string::npos) << r.output;
      EXPECT_EQ(test::lines_of(r.output).size(), 1u) << r.output;
      EXPECT_FALSE(fs::exists(dir / "x.png"));
    }
  }
}

}  // namespace
}  // namespace imgcls
