// Class folders whose names are not UTF-8 (any bytes are legal in a Linux file name): train,
// eval and predict write their JSON files with U+FFFD in place of the bad bytes, never fail.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

const std::string kBinary = IMGCLS_BINARY;

TEST(CliNonUtf8, ClassFoldersWithInvalidUtf8NamesWork) {
  test::TempDir dir;
  const std::vector<std::string> classes = {"caf\xe9", "ok", "\xff\xfe"};  // Latin-1 é, plain, invalid
  cv::RNG rng(7);
  for (std::size_t c = 0; c < classes.size(); ++c) {
    fs::create_directories(dir / ("data/" + classes[c]));
    for (int i = 0; i < 8; ++i) {
      cv::Mat img(16, 16, CV_8UC3);
      rng.fill(img, cv::RNG::UNIFORM, 0, 100);
      img += cv::Scalar::all(60.0 * static_cast<double>(c));
      ASSERT_TRUE(cv::imwrite(dir / ("data/" + classes[c] + "/" + std::to_string(i) + ".png"), img));
    }
  }
  test::write_text(dir / "c.yaml", "name: bytes\nseed: 1\ndevice: cpu\nthreads: 1\n"
                                   "data: {dataset: image_folder, root: " + dir / "data" +
                                   ", val_split: 0.25, batch_size: 8, train_transforms: [resize: [16, 16]], "
                                   "val_transforms: [resize: [16, 16]]}\n"
                                   "model: {name: mlp, hidden: [16]}\ntrain: {epochs: 1}\n");
  const auto run = dir / "run";
  const auto train = test::run(kBinary + " train " + dir / "c.yaml" + " --out " + run);
  ASSERT_EQ(train.exit_code, 0) << train.output;
  const auto summary = nlohmann::json::parse(test::read_text(run + "/summary.json"));
  EXPECT_EQ(summary["status"], "completed");
  const auto names = summary["dataset"]["classes"].get<std::vector<std::string>>();
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0], "caf\xef\xbf\xbd");  // U+FFFD for the bad byte
  EXPECT_EQ(names[1], "ok");

  const auto eval = test::run(kBinary + " eval " + run + " --split val");
  EXPECT_EQ(eval.exit_code, 0) << eval.output;
  EXPECT_TRUE(nlohmann::json::parse(test::read_text(run + "/eval/val/report.json")).contains("per_class"));
  const auto predict = test::run(kBinary + " predict " + run + " " + dir / "data" + " --format json --out " +
                                 dir / "pred.json");
  EXPECT_EQ(predict.exit_code, 0) << predict.output;
  EXPECT_EQ(nlohmann::json::parse(test::read_text(dir / "pred.json")).size(), 24u);
}

}  // namespace
}  // namespace imgcls
