// `imgcls eval` on a tiny trained image-folder run, as a user runs it: the report, every
// image's prediction, the misclassified ones, the top losses, calibration and the pictures.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <sstream>

#include "report/error_analysis.hpp"
#include "report/plot.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

const std::string kBinary = IMGCLS_BINARY;
const char* kClasses[] = {"blue", "green", "red"};

// Class c's training images are noise with channel c brighter; `signal` false makes noise
// alone, which the model cannot all get right: there are misclassified test images.
void make_folder(const std::string& root, int per_class, int seed, bool signal) {
  cv::RNG rng(static_cast<uint64_t>(seed));
  for (int c = 0; c < 3; ++c) {
    fs::create_directories(root + "/" + kClasses[c]);
    for (int i = 0; i < per_class; ++i) {
      cv::Mat img(16, 16, CV_8UC3);
      rng.fill(img, cv::RNG::UNIFORM, 0, signal ? 120 : 230);
      if (signal) {
        std::vector<cv::Mat> planes;
        cv::split(img, planes);
        planes[static_cast<std::size_t>(c)] += 110;
        cv::merge(planes, img);
      }
      ASSERT_TRUE(cv::imwrite(root + "/" + kClasses[c] + "/" + std::to_string(i) + ".png", img));
    }
  }
}

// CSV rows (header first) as cells; fields here hold no commas or quotes.
std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& line : test::lines_of(test::read_text(path))) {
    std::vector<std::string> cells;
    std::istringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

TEST(CliEval, WritesPredictionsMisclassifiedCalibrationAndPictures) {
  test::TempDir dir;
  make_folder(dir / "train", 12, 1, true);
  make_folder(dir / "test", 8, 2, false);
  test::write_text(dir / "tiny.yaml",
                   "name: tiny\nseed: 3\ndevice: cpu\n"
                   "data:\n  dataset: image_folder\n  train_root: " +
                       dir / "train" + "\n  test_root: " + dir / "test" +
                       "\n  val_split: 0.25\n  batch_size: 8\n  workers: 0\n"
                       "  train_transforms:\n"
                       "    - resize: [16, 16]\n"
                       "    - normalize: {mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}\n"
                       "  val_transforms:\n"
                       "    - resize: [16, 16]\n"
                       "    - normalize: {mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}\n"
                       "model: {name: mlp, hidden: [16]}\n"
                       "optimizer: {lr: 0.003}\ntrain: {epochs: 1}\n");
  const auto run = dir / "run";
  const auto tr = test::run(kBinary + " train " + dir / "tiny.yaml --quiet --out " + run);
  ASSERT_EQ(tr.exit_code, 0) << tr.output;

  const auto ev = test::run(kBinary + " eval " + run);
  ASSERT_EQ(ev.exit_code, 0) << ev.output;
  EXPECT_NE(ev.output.find("ECE "), std::string::npos) << ev.output;
  const auto out = run + "/eval/test/";
  const auto report = nlohmann::json::parse(test::read_text(out + "report.json"));
  ASSERT_EQ(report["count"], 24);

  // predictions.csv: one row per test image, with its path, named classes and top-3 (3 classes).
  const auto pred = read_csv(out + "predictions.csv");
  ASSERT_EQ(pred.size(), 25u);
  EXPECT_EQ(pred[0], (std::vector<std::string>{"index", "path", "label", "predicted", "probability", "loss", "class_1",
                                               "prob_1", "class_2", "prob_2", "class_3", "prob_3"}));
  std::set<std::string> paths, wrong;
  std::vector<double> confidence;
  std::vector<bool> correct;
  int64_t right = 0;
  for (std::size_t r = 1; r < pred.size(); ++r) {
    const auto& p = pred[r];
    ASSERT_EQ(p.size(), 12u);
    paths.insert(p[1]);
    EXPECT_EQ(p[2], fs::path(p[1]).parent_path().filename().string());  // the label is the class folder
    EXPECT_EQ(p[3], p[6]);                                              // predicted = top-1
    EXPECT_EQ(p[4], p[7]);
    EXPECT_NEAR(std::stod(p[7]) + std::stod(p[9]) + std::stod(p[11]), 1.0, 1e-5);
    confidence.push_back(std::stod(p[4]));
    correct.push_back(p[2] == p[3]);
    if (p[2] == p[3])
      ++right;
    else
      wrong.insert(p[0]);
  }
  EXPECT_EQ(paths.size(), 24u);
  EXPECT_NEAR(static_cast<double>(right) / 24, report["accuracy"].get<double>(), 1e-9);
  ASSERT_FALSE(wrong.empty()) << "noise test images: some must be wrong";

  // misclassified.csv: exactly the wrong rows, highest loss first.
  const auto mis = read_csv(out + "misclassified.csv");
  ASSERT_EQ(mis.size(), wrong.size() + 1);
  EXPECT_EQ(mis[0], pred[0]);
  std::set<std::string> listed;
  for (std::size_t r = 1; r < mis.size(); ++r) {
    listed.insert(mis[r][0]);
    if (r > 1) {
      EXPECT_GE(std::stod(mis[r - 1][5]), std::stod(mis[r][5]));
    }
  }
  EXPECT_EQ(listed, wrong);
  EXPECT_EQ(report["misclassified"], wrong.size());

  // ECE in report.json: the same as from predictions.csv's probabilities.
  EXPECT_NEAR(report["ece"].get<double>(), calibration(confidence, correct, 15).ece, 1e-5);
  int64_t in_bins = 0;
  for (const auto& n : report["calibration"]["count"]) in_bins += n.get<int64_t>();
  EXPECT_EQ(in_bins, 24);

  // The pictures decode, at their sizes.
  const auto calib = cv::imread(out + "calibration.png");
  EXPECT_EQ(calib.cols, 680);
  EXPECT_EQ(calib.rows, 626);
  EXPECT_FALSE(cv::imread(out + "per_class.png").empty());
  const auto cm = cv::imread(out + "confusion.png");
  EXPECT_GE(cm.cols, 3 * confusion_cell_size(3));
  const auto top = cv::imread(out + "top_losses.png");
  ASSERT_FALSE(top.empty());
  EXPECT_GE(top.cols, 160 * std::min<int>(static_cast<int>(wrong.size()), 2));  // tiles of 160 px
  EXPECT_NE(ev.output.find("top_losses.png"), std::string::npos) << ev.output;

  // --top-losses 0: no picture, and none left from before.
  const auto none = test::run(kBinary + " eval " + run + " --top-losses 0");
  ASSERT_EQ(none.exit_code, 0) << none.output;
  EXPECT_FALSE(fs::exists(out + "top_losses.png"));
  for (const auto& entry : fs::directory_iterator(out))
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
  EXPECT_EQ(test::run(kBinary + " eval " + run + " --top-losses -1").exit_code, 2);
}

// val_macro_f1 and val_balanced_acc in metrics.csv are what `imgcls eval` reports for the
// same weights: validating on the test split, best.pt (picked by val_macro_f1) is evaluated.
TEST(CliEval, ValidationMacroF1AndBalancedAccuracyEqualEvals) {
  test::TempDir dir;
  make_folder(dir / "train", 12, 1, true);
  make_folder(dir / "test", 8, 2, false);
  test::write_text(dir / "tiny.yaml",
                   "name: tiny\nseed: 3\ndevice: cpu\n"
                   "data:\n  dataset: image_folder\n  train_root: " +
                       dir / "train" + "\n  test_root: " + dir / "test" +
                       "\n  val: test\n  batch_size: 8\n  workers: 0\n"
                       "  train_transforms:\n    - resize: [16, 16]\n    - normalize: {mean: [0.5], std: [0.25]}\n"
                       "  val_transforms:\n    - resize: [16, 16]\n    - normalize: {mean: [0.5], std: [0.25]}\n"
                       "model: {name: mlp, hidden: [16]}\n"
                       "optimizer: {lr: 0.003}\n"
                       "train: {epochs: 2, early_stopping: {monitor: val_macro_f1}}\n");
  const auto run = dir / "run";
  const auto tr = test::run(kBinary + " train " + dir / "tiny.yaml --quiet --out " + run);
  ASSERT_EQ(tr.exit_code, 0) << tr.output;
  const auto summary = nlohmann::json::parse(test::read_text(run + "/summary.json"));
  EXPECT_EQ(summary["monitor"], "val_macro_f1");
  const auto rows = read_csv(run + "/metrics.csv");
  ASSERT_EQ(rows.size(), 3u);
  ASSERT_GE(rows[0].size(), 13u);
  EXPECT_EQ(rows[0][11], "val_macro_f1");
  EXPECT_EQ(rows[0][12], "val_balanced_acc");
  const auto best = summary["best_epoch"].get<std::size_t>();
  ASSERT_TRUE(best == 1 || best == 2);
  // best.pt is the epoch whose val_macro_f1 is the highest (the first of equals).
  EXPECT_GE(std::stod(rows[best][11]), std::stod(rows[3 - best][11]));

  const auto ev = test::run(kBinary + " eval " + run + " --top-losses 0");
  ASSERT_EQ(ev.exit_code, 0) << ev.output;
  EXPECT_NE(ev.output.find("balanced accuracy "), std::string::npos) << ev.output;
  const auto report = nlohmann::json::parse(test::read_text(run + "/eval/test/report.json"));
  // metrics.csv keeps 6 significant digits.
  EXPECT_NEAR(std::stod(rows[best][11]), report["macro_avg"]["f1"].get<double>(), 1e-6);
  EXPECT_NEAR(std::stod(rows[best][12]), report["balanced_accuracy"].get<double>(), 1e-6);
  EXPECT_NEAR(std::stod(rows[best][5]), report["accuracy"].get<double>(), 1e-6);

  // --tta hflip: recorded, and other probabilities than without it (the images are not symmetric).
  const auto tta = test::run(kBinary + " eval " + run + " --top-losses 0 --tta hflip");
  ASSERT_EQ(tta.exit_code, 0) << tta.output;
  EXPECT_NE(tta.output.find(", tta hflip"), std::string::npos) << tta.output;
  const auto with_tta = nlohmann::json::parse(test::read_text(run + "/eval/test/report.json"));
  EXPECT_EQ(with_tta["tta"], "hflip");
  EXPECT_NE(with_tta["loss"].get<double>(), report["loss"].get<double>());
  const auto plain = test::run(kBinary + " predict " + run + " " + dir / "test/red --format json");
  const auto mirrored = test::run(kBinary + " predict " + run + " " + dir / "test/red --format json --tta hflip");
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  ASSERT_EQ(mirrored.exit_code, 0) << mirrored.output;
  EXPECT_NE(plain.output, mirrored.output);
  for (const auto* command : {" eval ", " predict "}) {
    const auto bad = test::run(kBinary + command + run + " " + dir / "test/red --tta vflip");
    EXPECT_EQ(bad.exit_code, 2) << bad.output;
    EXPECT_NE(bad.output.find("--tta"), std::string::npos) << bad.output;
  }
}

}  // namespace
}  // namespace imgcls
