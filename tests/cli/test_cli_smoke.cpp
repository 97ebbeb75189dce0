// `imgcls train CONFIG --smoke [N]`: every shipped config (configs/*.yaml, *.json) runs the
// whole path on a few batches, so a shipped config cannot rot; image-folder and CIFAR configs
// are pointed at small generated data in the official layouts, the pretrained backbone at a
// tiny TorchScript fixture (tests/fixtures/tiny_backbone_3ch.pt, written by
//   scripts/export_resnet.py --arch tiny --in-channels 3 --out tests/fixtures/tiny_backbone_3ch.pt).
// Also: the run files, the resumed step, the temporary directory,
// and the usage errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

const std::string kBinary = IMGCLS_BINARY;
const std::string kConfigs = std::string(IMGCLS_SOURCE_DIR) + "/configs";

// `classes` class folders of small noise JPEGs, `per_class` each.
void make_folder(const std::string& root, int classes, int per_class) {
  cv::RNG rng(7);
  for (int c = 0; c < classes; ++c) {
    const auto dir = root + "/class" + std::to_string(c);
    fs::create_directories(dir);
    for (int i = 0; i < per_class; ++i) {
      cv::Mat img(20, 24, CV_8UC3);
      rng.fill(img, cv::RNG::UNIFORM, 0, 255);
      ASSERT_TRUE(cv::imwrite(dir + "/" + std::to_string(i) + ".jpg", img));
    }
  }
}

// CIFAR-100's binary layout (cifar-100-binary/train.bin, test.bin): coarse, fine, 3072 pixels.
void make_cifar100(const std::string& dir, int n) {
  fs::create_directories(dir);
  const auto records = [](int count) {
    std::string out;
    for (int i = 0; i < count; ++i) {
      out.push_back(static_cast<char>(i % 20));
      out.push_back(static_cast<char>(i % 100));
      for (int p = 0; p < 3072; ++p) out.push_back(static_cast<char>((i * 7 + p) % 256));
    }
    return out;
  };
  test::write_text(dir + "/train.bin", records(n));
  test::write_text(dir + "/test.bin", records(n / 2));
}

TEST(CliSmoke, EveryShippedConfigPasses) {
  test::TempDir dir;
  make_folder(dir / "flowers", 5, 220);  // the flowers config holds out 1000 validation images
  make_cifar100(dir / "cifar100", 600);
  const std::string backbone = std::string(IMGCLS_SOURCE_DIR) + "/tests/fixtures/tiny_backbone_3ch.pt";
  int ran = 0;
  for (const auto& entry : fs::directory_iterator(kConfigs)) {
    const auto name = entry.path().filename().string();
    const auto ext = entry.path().extension();
    if (!entry.is_regular_file() || (ext != ".yaml" && ext != ".json")) continue;
    SCOPED_TRACE(name);
    std::string overrides = " device=cpu";  // the GPU config included: this machine may have none
    const auto text = test::read_text(entry.path().string());
    if (text.find("fashion_mnist") != std::string::npos && !test::have_fashion_mnist()) continue;
    if (text.find("image_folder") != std::string::npos)
      overrides += " data.root=" + dir / "flowers" + " model.path=" + backbone;
    if (text.find("cifar100") != std::string::npos) overrides += " data.root=" + dir / "cifar100";
    const auto out = dir / ("runs/" + name);
    const auto r = test::run(kBinary + " train " + entry.path().string() + overrides + " --smoke --out " + out);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("smoke: passed"), std::string::npos) << r.output;
    for (const auto* file : {"config.yaml", "metrics.csv", "metrics.jsonl", "summary.json", "train.log", "curves.png",
                             "checkpoints/last.pt"})
      EXPECT_TRUE(fs::exists(out + "/" + file)) << file;
    // Epoch 1 on the smoke batches, then epoch 2: the checkpoint read back and resumed.
    const auto rows = test::lines_of(test::read_text(out + "/metrics.csv"));
    ASSERT_EQ(rows.size(), 3u) << test::read_text(out + "/metrics.csv");
    EXPECT_EQ(rows[1].rfind("1,", 0), 0u);
    EXPECT_EQ(rows[2].rfind("2,", 0), 0u);
    ++ran;
  }
  EXPECT_GE(ran, 2);  // at least the image-folder and CIFAR configs, whatever is installed
}

TEST(CliSmoke, RunsNBatchesInATemporaryDirectoryItRemoves) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  test::TempDir dir;
  // TMPDIR points the temporary run directory into this test's folder, to see it removed.
  const auto r = test::run("TMPDIR=" + dir.path() + " " + kBinary + " train " + kConfigs +
                           "/fashion_mnist.yaml --smoke 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("smoke: passed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("3 training, validation and test batches"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("on 768 images"), std::string::npos) << r.output;  // 3 test batches of 256
  EXPECT_TRUE(fs::is_empty(dir.path())) << "the smoke run's directory was left behind";
}

// One batch of a onecycle schedule with a warmup epoch: the smoke run trains the warmup epoch
// and one after it (a cycle of one step), then resumes for one more.
TEST(CliSmoke, OneBatchOfAOneCycleAfterAWarmupEpoch) {
  test::TempDir dir;
  make_cifar100(dir / "cifar100", 600);
  const auto out = dir / "run";
  const auto r = test::run(kBinary + " train " + kConfigs + "/cifar100_pooling.yaml device=cpu data.root=" +
                           dir / "cifar100" + " scheduler.name=onecycle scheduler.warmup_epochs=1 --smoke 1 --out " +
                           out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto rows = test::lines_of(test::read_text(out + "/metrics.csv"));
  ASSERT_EQ(rows.size(), 4u) << test::read_text(out + "/metrics.csv");  // header, 2 epochs, the resumed one
  EXPECT_EQ(rows[3].rfind("3,", 0), 0u);
}

TEST(CliSmoke, BadInputIsRefusedLikeTrain) {
  test::TempDir dir;
  const auto bad_key = test::run(kBinary + " train " + kConfigs + "/fashion_mnist.yaml optimizer.lrr=0.1 --smoke");
  EXPECT_EQ(bad_key.exit_code, 2) << bad_key.output;
  EXPECT_NE(bad_key.output.find("optimizer.lrr: unknown key; did you mean 'optimizer.lr'?"), std::string::npos)
      << bad_key.output;
  const auto zero = test::run(kBinary + " train " + kConfigs + "/fashion_mnist.yaml --smoke 0");
  EXPECT_EQ(zero.exit_code, 2) << zero.output;
  EXPECT_NE(zero.output.find("--smoke takes a number of batches >= 1, got 0"), std::string::npos) << zero.output;
  const auto missing = test::run(kBinary + " train " + kConfigs + "/fashion_mnist.yaml data.root=" + dir / "none" +
                                 " --smoke");
  EXPECT_EQ(missing.exit_code, 3) << missing.output;
}

}  // namespace
}  // namespace imgcls
