// `imgcls data check` run as a user runs it: exit codes, what it prints, data_report.json and
// class_counts.png, on small generated data in the official formats.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "data/splits.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/data/idx.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

const std::string kBinary = IMGCLS_BINARY;

// MNIST-format files: noise images (train image i drawn from seed 1, test from seed 2), label
// i % 10 (class 9 left out of the test split when `no_nine_in_test`).
void write_noise_mnist(const std::string& root, int n_train, int n_test, bool no_nine_in_test = false) {
  fs::create_directories(root);
  for (auto [prefix, n, seed] : {std::tuple{"train", n_train, 1}, std::tuple{"t10k", n_test, 2}}) {
    IdxArray im{{n, 28, 28}, {}}, lb{{n}, {}};
    cv::RNG rng(static_cast<uint64_t>(seed));
    for (int i = 0; i < n; ++i) {
      for (int p = 0; p < 28 * 28; ++p) im.data.push_back(static_cast<uint8_t>(rng.uniform(0, 256)));
      const int label = i % 10 == 9 && seed == 2 && no_nine_in_test ? 0 : i % 10;
      lb.data.push_back(static_cast<uint8_t>(label));
    }
    write_idx(root + "/" + prefix + "-images-idx3-ubyte", im);
    write_idx(root + "/" + prefix + "-labels-idx1-ubyte", lb);
  }
}

// root/<class>/<i>.png: noise of a few sizes, lossless, every image different.
void make_folder(const std::string& root, int per_class, int seed) {
  cv::RNG rng(static_cast<uint64_t>(seed));
  for (const char* name : {"cat", "dog", "fox"}) {
    fs::create_directories(root + "/" + name);
    for (int i = 0; i < per_class; ++i) {
      cv::Mat img(20 + i % 3, 24, CV_8UC3);
      rng.fill(img, cv::RNG::UNIFORM, 0, 256);
      ASSERT_TRUE(cv::imwrite(root + "/" + name + "/" + std::to_string(i) + ".png", img));
    }
  }
}

std::string folder_config(const test::TempDir& dir, const std::string& extra = "") {
  const auto path = dir / "folder.yaml";
  test::write_text(path, "name: pets\ndata:\n  dataset: image_folder\n  train_root: " + dir / "train" +
                             "\n  test_root: " + dir / "test" + "\n  image_size: 16\n  workers: 2\n" + extra +
                             "model: {name: mlp}\n");
  return path;
}

nlohmann::json report_of(const std::string& out) {
  return nlohmann::json::parse(test::read_text(out + "/data_report.json"));
}

TEST(CliDataCheck, ClassCountsAreThoseOfTheSplitsTrainingUses) {
  test::TempDir dir;
  write_noise_mnist(dir / "fm", 200, 50, /*no_nine_in_test=*/true);
  test::write_text(dir / "fm.yaml", "name: fm\nseed: 7\ndata: {dataset: fashion_mnist, root: " + dir / "fm" +
                                        ", val_split: 0.2, workers: 0}\nmodel: {name: mlp}\n");
  const auto out = dir / "check";
  const auto r = test::run(kBinary + " data check " + dir / "fm.yaml --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("250 images (train 160, val 40, test 50), 10 classes"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("class 'Ankle boot' has no images in the test split"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("normalize: {mean: ["), std::string::npos) << r.output;

  const auto report = report_of(out);
  EXPECT_EQ(report["status"], "ok");
  const auto splits = make_splits(load_config(dir / "fm.yaml"));
  for (const auto& [name, ds] :
       {std::pair{"train", &splits.train}, std::pair{"val", &splits.val}, std::pair{"test", &splits.test}}) {
    const auto counts = ds->labels.bincount({}, 10);
    for (int64_t c = 0; c < 10; ++c)
      EXPECT_EQ(report["class_counts"][name][ds->class_names[static_cast<std::size_t>(c)]].get<int64_t>(),
                counts[c].item<int64_t>())
          << name << " class " << c;
  }
  EXPECT_TRUE(report["imbalance_ratio"]["test"].is_null());  // a class with no images
  EXPECT_GE(report["imbalance_ratio"]["train"].get<double>(), 1.0);
  EXPECT_EQ(report["sizes"]["most_common"][0]["size"], "28x28");
  EXPECT_EQ(report["sizes"]["distinct"], 1);
  const auto chart = cv::imread(out + "/class_counts.png");
  ASSERT_FALSE(chart.empty());
  cv::Scalar mean, stddev;
  cv::meanStdDev(chart, mean, stddev);
  EXPECT_GT(stddev[0], 10.0);  // bars and labels, not a blank canvas

  // Without --out: data_check/<name>-<time>/ in the working folder.
  const auto r2 = test::run("cd " + dir.path() + " && " + kBinary + " data check fm.yaml");
  ASSERT_EQ(r2.exit_code, 0) << r2.output;
  ASSERT_TRUE(fs::is_directory(dir / "data_check"));
  const auto first = fs::directory_iterator(dir / "data_check")->path();
  EXPECT_EQ(first.filename().string().rfind("fm-", 0), 0u) << first;
  EXPECT_TRUE(fs::exists(first / "data_report.json"));
}

TEST(CliDataCheck, UnreadableFilesAreListedWithTheirReasonsAndExitThree) {
  test::TempDir dir;
  make_folder(dir / "train", 6, 1);
  make_folder(dir / "test", 2, 2);
  std::vector<unsigned char> jpeg;
  cv::Mat img(32, 32, CV_8UC3);
  cv::RNG(5).fill(img, cv::RNG::UNIFORM, 0, 256);
  cv::imencode(".jpg", img, jpeg);
  std::ofstream(dir / "train/dog/cut.jpg", std::ios::binary)
      .write(reinterpret_cast<const char*>(jpeg.data()), static_cast<std::streamsize>(jpeg.size() / 2));
  std::ofstream(dir / "test/cat/empty.png");
  // A grey PNG among colour ones: reported, not an error.
  cv::Mat grey(20, 24, CV_8UC1);
  cv::RNG(6).fill(grey, cv::RNG::UNIFORM, 0, 256);
  ASSERT_TRUE(cv::imwrite(dir / "train/fox/grey.png", grey));

  const auto out = dir / "check";
  const auto r = test::run(kBinary + " data check " + folder_config(dir) + " --out " + out);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(dir / "train/dog/cut.jpg" + ": truncated JPEG (no end-of-image marker)"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(dir / "test/cat/empty.png" + ": empty file"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("imgcls: error: data check: 2 unreadable files (see " + out + "/data_report.json)"),
            std::string::npos)
      << r.output;
  const auto report = report_of(out);
  EXPECT_EQ(report["status"], "failed");
  ASSERT_EQ(report["unreadable"].size(), 2u);
  std::map<std::string, std::string> reasons;
  for (const auto& u : report["unreadable"]) reasons[u["path"].get<std::string>()] = u["reason"].get<std::string>();
  EXPECT_EQ(reasons[dir / "train/dog/cut.jpg"], "truncated JPEG (no end-of-image marker)");
  EXPECT_EQ(reasons[dir / "test/cat/empty.png"], "empty file");
  EXPECT_EQ(report["images"], 3 * 6 + 3 * 2 + 3);
  EXPECT_EQ(report["odd_images"]["count"], 1);
  EXPECT_EQ(report["odd_images"]["listed"][0]["path"], dir / "train/fox/grey.png");
  EXPECT_NE(report["odd_images"]["listed"][0]["what"].get<std::string>().find("1 channel (grey)"), std::string::npos);
}

TEST(CliDataCheck, DuplicatesAcrossSplitsExitThreeWithinASplitWarn) {
  test::TempDir dir;
  make_folder(dir / "train", 5, 1);
  make_folder(dir / "test", 3, 2);
  // Within train, under another class (a label conflict): a warning.
  fs::copy_file(dir / "train/cat/1.png", dir / "train/dog/copy.png");
  const auto config = folder_config(dir, "  val_split: 0\n");
  auto r = test::run(kBinary + " data check " + config + " --out " + dir / "within");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("exact duplicates within a split: 1 pair (train 1)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(labels differ: cat, dog)"), std::string::npos) << r.output;
  auto report = report_of(dir / "within");
  EXPECT_EQ(report["status"], "ok");
  EXPECT_EQ(report["exact_duplicates"]["within"]["train"], 1);
  EXPECT_EQ(report["exact_duplicates"]["across_pairs_total"], 0);
  const auto& pair = report["exact_duplicates"]["within_pairs"][0];
  EXPECT_EQ(pair["a"]["path"], dir / "train/cat/1.png");
  EXPECT_EQ(pair["b"]["path"], dir / "train/dog/copy.png");
  ASSERT_FALSE(report["warnings"].empty());

  // The same pixels in the test split, as a JPEG would not be: a PNG re-encoded with other
  // settings still decodes to the same pixels.
  const auto img = cv::imread(dir / "train/fox/2.png", cv::IMREAD_UNCHANGED);
  ASSERT_TRUE(cv::imwrite(dir / "test/fox/leak.png", img, {cv::IMWRITE_PNG_COMPRESSION, 9}));
  r = test::run(kBinary + " data check " + config + " --out " + dir / "across");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("exact duplicates across splits"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(dir / "train/fox/2.png = " + dir / "test/fox/leak.png"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("imgcls: error: data check: 1 pairs of identical images across splits"), std::string::npos)
      << r.output;
  report = report_of(dir / "across");
  EXPECT_EQ(report["status"], "failed");
  EXPECT_EQ(report["exact_duplicates"]["across"]["train/test"], 1);
}

TEST(CliDataCheck, InMemoryDuplicatesNameTheFileIndexAndNearOnesNeedNear) {
  test::TempDir dir;
  write_noise_mnist(dir / "fm", 100, 30);
  // Test image 4 := train image 17; test image 5 := train image 18, slightly brighter.
  auto train = read_idx(dir / "fm/train-images-idx3-ubyte");
  auto test = read_idx(dir / "fm/t10k-images-idx3-ubyte");
  std::copy_n(train.data.begin() + 17 * 784, 784, test.data.begin() + 4 * 784);
  cv::Mat smooth(7, 7, CV_8UC1);
  cv::RNG(3).fill(smooth, cv::RNG::UNIFORM, 0, 200);
  cv::resize(smooth, smooth, {28, 28}, 0, 0, cv::INTER_CUBIC);
  std::copy_n(smooth.data, 784, train.data.begin() + 18 * 784);
  cv::Mat brighter = smooth + 3;
  std::copy_n(brighter.data, 784, test.data.begin() + 5 * 784);
  write_idx(dir / "fm/train-images-idx3-ubyte", train);
  write_idx(dir / "fm/t10k-images-idx3-ubyte", test);
  test::write_text(dir / "fm.yaml", "name: fm\ndata: {dataset: fashion_mnist, root: " + dir / "fm" +
                                        ", val_split: 0}\nmodel: {name: mlp}\n");
  auto r = test::run(kBinary + " data check " + dir / "fm.yaml --out " + dir / "a");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("train #17 (train file #17) = test #4 (test file #4)"), std::string::npos) << r.output;
  auto report = report_of(dir / "a");
  EXPECT_TRUE(report["near_duplicates"].is_null());
  EXPECT_EQ(report["exact_duplicates"]["across_pairs"][0]["a"]["source_index"], 17);

  r = test::run(kBinary + " data check " + dir / "fm.yaml --near --out " + dir / "b");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  report = report_of(dir / "b");
  const auto& near = report["near_duplicates"];
  EXPECT_EQ(near["max_distance"], 4);
  EXPECT_EQ(near["min_correlation"], 0.98);
  ASSERT_EQ(near["across_pairs_total"], 1) << near.dump();
  EXPECT_EQ(near["across_pairs"][0]["a"]["index"], 18);
  EXPECT_EQ(near["across_pairs"][0]["b"]["index"], 5);
  EXPECT_GT(near["across_pairs"][0]["correlation"].get<double>(), 0.99);

  // A validation split drawn from train: its indices are the split's, the file index the
  // train file's.
  r = test::run(kBinary + " data check " + dir / "fm.yaml data.val_split=0.5 --out " + dir / "c");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  report = report_of(dir / "c");
  const auto& a = report["exact_duplicates"]["across_pairs"][0]["a"];
  EXPECT_EQ(a["source_index"], 17) << a.dump();
  const auto splits = make_splits(load_config(dir / "fm.yaml", {"data.val_split=0.5"}));
  const auto& ds = a["split"] == "train" ? splits.train : splits.val;
  EXPECT_EQ(ds.images[a["index"].get<int64_t>()].equal(splits.test.images[4]), true);
}

TEST(CliDataCheck, BadInputExitsWithTheDocumentedCodes) {
  test::TempDir dir;
  test::write_text(dir / "fm.yaml",
                   "data: {dataset: fashion_mnist, root: " + dir / "nowhere" + "}\nmodel: {name: mlp}\n");
  auto r = test::run(kBinary + " data check " + dir / "fm.yaml --out " + dir / "out");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("imgcls: error: " + dir / "nowhere" + ": data.root folder does not exist"), std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir / "out"));

  test::write_text(dir / "folder.yaml",
                   "data: {dataset: image_folder, root: " + dir / "no_photos" + "}\nmodel: {name: mlp}\n");
  r = test::run(kBinary + " data check " + dir / "folder.yaml --out " + dir / "out");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(dir / "no_photos" + ": image folder does not exist"), std::string::npos) << r.output;

  r = test::run(kBinary + " data check " + dir / "fm.yaml data.rot=/x");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("data.rot: unknown key; did you mean 'data.root'?"), std::string::npos) << r.output;
  test::write_text(dir / "typo.yaml", "data: {dataset: fashion_mnist, workerz: 2}\nmodel: {name: mlp}\n");
  r = test::run(kBinary + " data check " + dir / "typo.yaml");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("data.workerz: unknown key"), std::string::npos) << r.output;

  EXPECT_EQ(test::run(kBinary + " data check").exit_code, 2);
  EXPECT_EQ(test::run(kBinary + " data").exit_code, 2);
  EXPECT_EQ(test::run(kBinary + " data check " + dir / "fm.yaml --near-distance 40").exit_code, 2);
}

}  // namespace
}  // namespace imgcls
