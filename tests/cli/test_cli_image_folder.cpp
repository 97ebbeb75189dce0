// End to end: `imgcls train` on a generated image folder (JPEG and PNG, pre-split train and
// test folders, bad files among them), with augmentation and worker threads; then eval,
// predict and plot on the trained run.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

const std::string kBinary = IMGCLS_BINARY;

// Class c's images are noise with channel c brighter: learnable in a few epochs.
void make_folder(const std::string& root, int per_class, int seed) {
  cv::RNG rng(static_cast<uint64_t>(seed));
  const char* names[] = {"blue", "green", "red"};  // OpenCV writes BGR: channel 0 is blue
  for (int c = 0; c < 3; ++c) {
    fs::create_directories(root + "/" + names[c]);
    for (int i = 0; i < per_class; ++i) {
      cv::Mat img(30 + i % 5, 36, CV_8UC3);
      rng.fill(img, cv::RNG::UNIFORM, 0, 120);
      std::vector<cv::Mat> planes;
      cv::split(img, planes);
      planes[static_cast<std::size_t>(c)] += 110;
      cv::merge(planes, img);
      const auto ext = i % 2 ? ".jpg" : ".png";
      ASSERT_TRUE(cv::imwrite(root + "/" + names[c] + "/" + std::to_string(i) + ext, img));
    }
  }
}

TEST(CliImageFolder, TrainsOnAGeneratedFolderAndCountsBadImages) {
  test::TempDir dir;
  make_folder(dir / "train", 24, 1);
  make_folder(dir / "test", 6, 2);
  // A truncated JPEG and an empty file: reported, skipped, counted.
  std::vector<unsigned char> jpeg;
  cv::Mat noise(32, 32, CV_8UC3);
  cv::RNG(11).fill(noise, cv::RNG::UNIFORM, 0, 255);
  cv::imencode(".jpg", noise, jpeg);
  std::ofstream(dir / "train/red/cut.jpg", std::ios::binary)
      .write(reinterpret_cast<const char*>(jpeg.data()), static_cast<std::streamsize>(jpeg.size() / 2));
  std::ofstream(dir / "train/blue/empty.png");
  fs::create_directories(dir / "train/.ipynb_checkpoints");

  test::write_text(dir / "folder.yaml", "name: folder\nseed: 3\ndevice: cpu\n"
                                        "data:\n  dataset: image_folder\n  train_root: " + dir / "train" +
                                        "\n  test_root: " + dir / "test" +
                                        "\n  val_split: 0.2\n  batch_size: 16\n  workers: 2\n"
                                        "  train_transforms:\n"
                                        "    - resize: [24, 24]\n"
                                        "    - random_crop: {size: 20, padding: 2}\n"
                                        "    - hflip\n"
                                        "    - normalize: {mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}\n"
                                        "  val_transforms:\n"
                                        "    - resize: [24, 24]\n"
                                        "    - center_crop: 20\n"
                                        "    - normalize: {mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}\n"
                                        "model: {name: mlp, hidden: [32]}\n"
                                        "optimizer: {lr: 0.003}\ntrain: {epochs: 4}\n");
  const auto out = dir / "run";
  const auto r = test::run(kBinary + " train " + dir / "folder.yaml --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("3x20x20, 3 classes"), std::string::npos) << r.output;
  // Each bad file is reported once, not once per epoch.
  const auto count = [&](const std::string& s) {
    std::size_t n = 0;
    for (auto pos = r.output.find(s); pos != std::string::npos; pos = r.output.find(s, pos + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("cut.jpg: truncated JPEG"), 1u) << r.output;
  EXPECT_EQ(count("empty.png: empty file"), 1u) << r.output;

  const auto summary = nlohmann::json::parse(test::read_text(out + "/summary.json"));
  EXPECT_EQ(summary["status"], "completed");
  EXPECT_EQ(summary["dataset"]["bad_images"], 2);
  EXPECT_EQ(summary["dataset"]["classes"], (std::vector<std::string>{"blue", "green", "red"}));
  EXPECT_EQ(summary["dataset"]["test"], 18);
  EXPECT_GT(summary["test_acc"].get<double>(), 0.8) << r.output;

  // imgcls eval: the same test accuracy from the best checkpoint, with the per-class report.
  const auto ev = test::run(kBinary + " eval " + out);
  ASSERT_EQ(ev.exit_code, 0) << ev.output;
  EXPECT_NE(ev.output.find("weighted avg"), std::string::npos) << ev.output;
  const auto report = nlohmann::json::parse(test::read_text(out + "/eval/test/report.json"));
  EXPECT_NEAR(report["accuracy"].get<double>(), summary["test_acc"].get<double>(), 1e-9);
  EXPECT_EQ(report["per_class"].size(), 3u);
  EXPECT_FALSE(report.contains("top5_accuracy"));  // only with more than 5 classes
  EXPECT_EQ(report["count"], 18);
  const auto png = cv::imread(out + "/eval/test/confusion.png");
  EXPECT_FALSE(png.empty());
  EXPECT_FALSE(cv::imread(out + "/curves.png").empty());
  EXPECT_EQ(test::run(kBinary + " eval " + dir / "nowhere").exit_code, 2);
  const auto plot = test::run(kBinary + " plot " + out + " " + out + " --metric val_loss --out " + dir / "cmp.png");
  ASSERT_EQ(plot.exit_code, 0) << plot.output;
  EXPECT_EQ(cv::imread(dir / "cmp.png").cols, 800);
  // The imbalance monitors plot like the others; the EMA columns of a run without EMA are empty.
  const auto f1 = test::run(kBinary + " plot " + out + " --metric val_macro_f1 --out " + dir / "f1.png");
  ASSERT_EQ(f1.exit_code, 0) << f1.output;
  EXPECT_FALSE(cv::imread(dir / "f1.png").empty());
  const auto ema = test::run(kBinary + " plot " + out + " --metric val_acc_ema --out " + dir / "ema.png");
  EXPECT_EQ(ema.exit_code, 2) << ema.output;
  EXPECT_NE(ema.output.find("--metric val_acc_ema: none of these runs recorded it (they ran without train.ema)"),
            std::string::npos)
      << ema.output;
  // Train and validation pairs per run (seed 004's plot).
  const auto pairs = test::run(kBinary + " plot " + out + " " + out + " --metric acc --out " + dir / "pairs.png");
  ASSERT_EQ(pairs.exit_code, 0) << pairs.output;
  EXPECT_NE(pairs.output.find("(2 runs; validation solid, train dashed)"), std::string::npos) << pairs.output;
  EXPECT_EQ(cv::imread(dir / "pairs.png").cols, 800);

  // imgcls predict: the test folder (labels from the class folders) and an unreadable file.
  std::ofstream(dir / "test/green/broken.png") << "not a png";
  const auto pr = test::run(kBinary + " predict " + out + " " + dir / "test" + " --top-k 3 --format json --out " +
                            dir / "pred.json --grid " + dir / "grid.png");
  ASSERT_EQ(pr.exit_code, 0) << pr.output;
  EXPECT_NE(pr.output.find("broken.png"), std::string::npos) << pr.output;  // reported, skipped
  const auto preds = nlohmann::json::parse(test::read_text(dir / "pred.json"));
  ASSERT_EQ(preds.size(), 18u);
  int correct = 0;
  for (const auto& p : preds) {
    ASSERT_EQ(p["top"].size(), 3u);
    double sum = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      sum += p["top"][i]["probability"].get<double>();
      if (i > 0) {
        EXPECT_GE(p["top"][i - 1]["probability"].get<double>(), p["top"][i]["probability"].get<double>());
      }
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);  // all three classes
    EXPECT_EQ(p["label"], fs::path(p["path"].get<std::string>()).parent_path().filename().string());
    correct += p["top"][0]["class"] == p["label"];
  }
  EXPECT_NEAR(correct / 18.0, report["accuracy"].get<double>(), 1e-9);  // the same model, the same transforms
  const auto grid = cv::imread(dir / "grid.png");
  ASSERT_FALSE(grid.empty());
  cv::Scalar mean, stddev;
  cv::meanStdDev(grid, mean, stddev);
  EXPECT_GT(stddev[0], 10.0);  // images and captions, not a blank canvas
  // The grid samples across the classes (seeded) and, with --grid-wrong, shows mistakes first.
  EXPECT_NE(pr.output.find("grid: 18 of 18 images, sampled across the classes (--grid-seed 0)"), std::string::npos)
      << pr.output;
  const auto wrong = test::run(kBinary + " predict " + out + " " + dir / "test" + " --out " + dir / "p.csv --grid " +
                               dir / "wrong.png --grid-max 6 --grid-wrong --grid-seed 5");
  ASSERT_EQ(wrong.exit_code, 0) << wrong.output;
  const int mistakes = 18 - correct;
  EXPECT_NE(wrong.output.find("grid: 6 of 18 images, sampled across the classes (--grid-seed 5); the " +
                              std::to_string(std::min(mistakes, 6)) + " wrong predictions first"),
            std::string::npos)
      << wrong.output;
  EXPECT_FALSE(cv::imread(dir / "wrong.png").empty());
  const auto csv = test::run(kBinary + " predict " + out + " " + dir / "test/red/0.png -k 1");
  ASSERT_EQ(csv.exit_code, 0) << csv.output;
  EXPECT_NE(csv.output.find("path,label,class_1,prob_1\n"), std::string::npos) << csv.output;
  EXPECT_EQ(test::run(kBinary + " predict " + out + " " + dir / "test/green/broken.png").exit_code, 3);
  fs::remove(dir / "test/green/broken.png");

  // data.on_bad_image: error stops at the first bad file, naming it, with exit code 3.
  const auto strict = test::run(kBinary + " train " + dir / "folder.yaml data.on_bad_image=error --out " + dir / "run2");
  EXPECT_EQ(strict.exit_code, 3) << strict.output;
  EXPECT_TRUE(strict.output.find("cut.jpg: truncated JPEG") != std::string::npos ||
              strict.output.find("empty.png: empty file") != std::string::npos)
      << strict.output;
}

// A relative data.root in a config is relative to the config's folder, whatever the current
// directory; a missing one is reported with the absolute path looked at; class names select
// classes (issue 22).
TEST(CliImageFolder, RelativeRootIsTheConfigsAndClassesGoByName) {
  test::TempDir dir;
  make_folder(dir / "photos", 6, 1);
  fs::create_directories(dir / "configs");
  test::write_text(dir / "configs/c.yaml", "name: rel\nseed: 1\ndevice: cpu\n"
                                             "data: {dataset: image_folder, root: ../photos, image_size: 12, "
                                             "val_split: 0, classes: [red, blue]}\n"
                                             "model: {name: mlp, hidden: [8]}\ntrain: {epochs: 1}\n");
  const auto r = test::run("cd / && " + kBinary + " train " + dir / "configs/c.yaml" + " --out " + dir / "run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("3x12x12, 2 classes"), std::string::npos) << r.output;
  const auto summary = nlohmann::json::parse(test::read_text(dir / "run/summary.json"));
  EXPECT_EQ(summary["dataset"]["classes"], (std::vector<std::string>{"red", "blue"}));
  EXPECT_NE(test::read_text(dir / "run/config.yaml").find("root: " + dir / "photos"), std::string::npos);

  test::write_text(dir / "configs/missing.yaml", "data: {dataset: image_folder, root: nothing/here}\n"
                                                   "model: {name: mlp}\n");
  const auto missing = test::run("cd / && " + kBinary + " train " + dir / "configs/missing.yaml");
  EXPECT_EQ(missing.exit_code, 3) << missing.output;
  EXPECT_NE(missing.output.find(dir / "configs/nothing/here"), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace imgcls
