// diagnostics/: fingerprints, duplicate search and the data check's numbers, on small
// generated data in the official formats.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "data/splits.hpp"
#include "diagnostics/data_check.hpp"
#include "diagnostics/duplicates.hpp"
#include "diagnostics/image_scan.hpp"
#include "diagnostics/pixel_hash.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/data/idx.hpp"
#include "test_util.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

cv::Mat noise(int h, int w, int type, uint64_t seed) {
  cv::Mat m(h, w, type);
  cv::RNG(seed).fill(m, cv::RNG::UNIFORM, 0, 256);
  return m;
}

// MNIST-format files under `root`: noise images, label i % 10, 28x28.
void write_noise_mnist(const std::string& root, int n_train, int n_test) {
  for (auto [prefix, n, seed] : {std::tuple{"train", n_train, 1}, std::tuple{"t10k", n_test, 2}}) {
    IdxArray im{{n, 28, 28}, {}}, lb{{n}, {}};
    cv::RNG rng(static_cast<uint64_t>(seed));
    for (int i = 0; i < n; ++i) {
      for (int p = 0; p < 28 * 28; ++p) im.data.push_back(static_cast<uint8_t>(rng.uniform(0, 256)));
      lb.data.push_back(static_cast<uint8_t>(i % 10));
    }
    write_idx(root + "/" + prefix + "-images-idx3-ubyte.gz", im);
    write_idx(root + "/" + prefix + "-labels-idx1-ubyte.gz", lb);
  }
}

TEST(PixelHash, EqualPixelsHashEqualAndShapeCounts) {
  const auto a = noise(20, 30, CV_8UC3, 1);
  EXPECT_EQ(pixel_hash(a), pixel_hash(a.clone()));
  cv::Mat b = a.clone();
  b.at<cv::Vec3b>(7, 9)[1] ^= 1;  // one bit of one pixel
  EXPECT_NE(pixel_hash(a), pixel_hash(b));
  // The same bytes as another shape are another image.
  EXPECT_NE(pixel_hash(a), pixel_hash(a.reshape(3, 30)));
  // A strided view hashes like its copy.
  const auto big = noise(40, 41, CV_8UC3, 2);
  const cv::Mat view = big(cv::Rect(3, 5, 17, 11));
  ASSERT_FALSE(view.isContinuous());
  EXPECT_EQ(pixel_hash(view), pixel_hash(view.clone()));
}

TEST(PixelHash, PerceptualHashIsCloseForResizedAndBrightenedCopies) {
  cv::Mat img = noise(16, 16, CV_8UC3, 3);
  cv::resize(img, img, {128, 96}, 0, 0, cv::INTER_CUBIC);  // smooth content, like a photo
  cv::Mat smaller, brighter;
  cv::resize(img, smaller, {64, 48}, 0, 0, cv::INTER_AREA);
  img.convertTo(brighter, -1, 1.0, 12);
  const auto h = perceptual_hash(img);
  EXPECT_LE(hamming_distance(h, perceptual_hash(smaller)), 4);
  EXPECT_LE(hamming_distance(h, perceptual_hash(brighter)), 4);
  // Unrelated images differ in about half the bits.
  cv::Mat other = noise(16, 16, CV_8UC3, 4);
  cv::resize(other, other, {128, 96}, 0, 0, cv::INTER_CUBIC);
  EXPECT_GT(hamming_distance(h, perceptual_hash(other)), 16);
}

SplitFingerprints prints(const std::vector<uint64_t>& ids) {
  SplitFingerprints f;
  for (auto id : ids) f.exact.push_back({id, id * 7}), f.perceptual.push_back(id), f.usable.push_back(true);
  return f;
}

TEST(Duplicates, ExactPairsAreCountedPerSplitPairAndListedUpToTheLimit) {
  // train: 1 1 1 2 5; val: 3 1; test: 2 4
  auto train = prints({1, 1, 1, 2, 5}), val = prints({3, 1}), test = prints({2, 4});
  train.usable[4] = false;
  auto f = exact_duplicates({train, val, test}, 100);
  EXPECT_EQ(f.pair_counts.at({0, 0}), 3);  // three 1s in train
  EXPECT_EQ(f.pair_counts.at({0, 1}), 3);  // each train 1 with val's 1
  EXPECT_EQ(f.pair_counts.at({0, 2}), 1);  // the 2s
  EXPECT_EQ(f.pair_counts.count({1, 2}), 0u);
  EXPECT_EQ(f.within_count(), 3);
  EXPECT_EQ(f.across_count(), 4);
  ASSERT_EQ(f.across.size(), 4u);
  EXPECT_EQ(f.across.back().a.split, 0);
  EXPECT_EQ(f.across.back().a.index, 3);
  EXPECT_EQ(f.across.back().b.split, 2);
  EXPECT_EQ(f.across.back().b.index, 0);
  // An unusable sample is never a duplicate; the list stops at the limit, the counts do not.
  train.exact[4] = train.exact[0];
  f = exact_duplicates({train, val, test}, 1);
  EXPECT_EQ(f.within.size(), 1u);
  EXPECT_EQ(f.across.size(), 1u);
  EXPECT_EQ(f.across_count(), 4);
}

TEST(Duplicates, NearPairsWithinTheDistanceAreFoundOnceAndExactOnesLeftOut) {
  const uint64_t base = 0x0123456789ABCDEFULL;
  SplitFingerprints train, test;
  train.exact = {{1, 1}, {2, 2}, {3, 3}};
  train.perceptual = {base, base ^ 0x8000000000000001ULL /* 2 bits */, ~base};
  train.usable = {true, true, true};
  test.exact = {{1, 1}, {5, 5}};  // test #0 is train #0's exact copy: not a near duplicate
  test.perceptual = {base, base ^ 0x0F00ULL /* 4 bits */};
  test.usable = {true, true};
  const auto f = near_duplicates({train, test}, 4, 0.95, 100);
  EXPECT_EQ(f.pair_counts.at({0, 0}), 1);             // train 0 ~ train 1
  EXPECT_EQ(f.pair_counts.at({0, 1}), 2);             // train 0 ~ test 1 (4), train 1 ~ test 0 (2)
  EXPECT_EQ(f.within_count() + f.across_count(), 4);  // and test 0 ~ test 1
  ASSERT_EQ(f.across.size(), 2u);
  EXPECT_EQ(f.across[0].distance, 2);
  EXPECT_EQ(f.across[1].distance, 4);
  // Brute force over random hashes agrees with multi-index hashing.
  cv::RNG rng(9);
  SplitFingerprints many;
  for (int i = 0; i < 300; ++i) {
    uint64_t h = (static_cast<uint64_t>(rng.next()) << 32) | rng.next();
    if (i % 3)
      h = many.perceptual[static_cast<std::size_t>(rng.uniform(0, i))] ^ (uint64_t{1} << rng.uniform(0, 64)) ^
          (uint64_t{1} << rng.uniform(0, 64)) ^ (uint64_t{1} << rng.uniform(0, 64));
    many.perceptual.push_back(h);
    many.exact.push_back({static_cast<uint64_t>(i), 0});
    many.usable.push_back(true);
  }
  for (int d : {0, 3, 6}) {
    int64_t brute = 0;
    for (std::size_t i = 0; i < 300; ++i)
      for (std::size_t j = i + 1; j < 300; ++j) brute += hamming_distance(many.perceptual[i], many.perceptual[j]) <= d;
    EXPECT_EQ(near_duplicates({many}, d, 0.95, 10).within_count(), brute) << "distance " << d;
  }
}

TEST(Duplicates, NearPairsNeedCorrelatedThumbnails) {
  SplitFingerprints s;
  s.exact = {{1, 1}, {2, 2}, {3, 3}};
  s.perceptual = {7, 7, 7};  // all three hashes equal
  s.usable = {true, true, true};
  Thumbnail ramp{}, brighter{}, other{};
  for (std::size_t i = 0; i < 256; ++i) {
    ramp[i] = static_cast<uint8_t>(i / 2);
    brighter[i] = static_cast<uint8_t>(i / 2 + 40);  // the same picture, brighter: correlation 1
    other[i] = static_cast<uint8_t>((i * 73) % 251);
  }
  s.thumbnails = {ramp, brighter, other};
  EXPECT_NEAR(thumbnail_correlation(ramp, brighter), 1.0, 1e-12);
  EXPECT_LT(thumbnail_correlation(ramp, other), 0.5);
  Thumbnail flat{};
  EXPECT_EQ(thumbnail_correlation(flat, flat), 1.0);
  EXPECT_EQ(thumbnail_correlation(flat, ramp), 0.0);
  const auto f = near_duplicates({s}, 4, 0.95, 100);
  ASSERT_EQ(f.within_count(), 1);
  EXPECT_EQ(f.within[0].a.index, 0);
  EXPECT_EQ(f.within[0].b.index, 1);
  EXPECT_NEAR(f.within[0].correlation, 1.0, 1e-12);
  EXPECT_EQ(near_duplicates({s}, 4, -1.0, 100).within_count(), 3);  // no confirmation
}

TEST(ImageScan, StoredChannelsComeFromTheHeader) {
  test::TempDir dir;
  const auto bytes = [](const cv::Mat& m, const std::string& ext) {
    std::vector<unsigned char> b;
    cv::imencode(ext, m, b);
    return b;
  };
  EXPECT_EQ(stored_channels(bytes(noise(8, 8, CV_8UC1, 1), ".png")), 1);
  EXPECT_EQ(stored_channels(bytes(noise(8, 8, CV_8UC3, 1), ".png")), 3);
  EXPECT_EQ(stored_channels(bytes(noise(8, 8, CV_8UC4, 1), ".png")), 4);
  EXPECT_EQ(stored_channels(bytes(noise(8, 8, CV_8UC1, 1), ".jpg")), 1);
  EXPECT_EQ(stored_channels(bytes(noise(8, 8, CV_8UC3, 1), ".jpg")), 3);
  EXPECT_EQ(stored_channels(bytes(noise(8, 8, CV_8UC3, 1), ".bmp")), 3);
  EXPECT_EQ(stored_channels({}), 0);
  EXPECT_EQ(stored_channels({0xFF, 0xD8, 0xFF}), 0);  // cut short
}

TEST(DataCheck, MeanAndStdOfTheTrainingSplitEqualADirectComputation) {
  test::TempDir dir;
  write_noise_mnist(dir.path(), 60, 20);
  auto config = parse_config(
      "data: {dataset: fashion_mnist, root: " + dir.path() + ", val_split: 0.25}\nmodel: {name: mlp}\n", "test");
  const auto splits = make_splits(config);
  ASSERT_EQ(splits.train.size(), 45);
  for (int64_t threads : {1, 3}) {
    const auto r = check_data(config, splits, DataCheckSettings{threads, false, 4, 100});
    const auto x = splits.train.images.to(at::kDouble).div(255.0);
    ASSERT_EQ(r.mean.size(), 1u);
    EXPECT_NEAR(r.mean[0], x.mean().item<double>(), 1e-12);
    EXPECT_NEAR(r.std[0], x.std(/*unbiased=*/false).item<double>(), 1e-12);
    EXPECT_EQ(r.normalize_line(),
              "normalize: {mean: [" + fixed(r.mean[0], 4) + "], std: [" + fixed(r.std[0], 4) + "]}");
  }
}

TEST(DataCheck, MeanAndStdOfAnRgbFolderAreThoseOfTheDecodedTrainingImages) {
  test::TempDir dir;
  for (int c = 0; c < 3; ++c) {
    fs::create_directories(dir / ("c" + std::to_string(c)));
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE(cv::imwrite(dir / ("c" + std::to_string(c) + "/" + std::to_string(i) + ".png"),
                              noise(10 + i, 12 + 3 * c, CV_8UC3, static_cast<uint64_t>(10 * c + i))));
  }
  const auto config = parse_config("data: {dataset: image_folder, root: " + dir.path() +
                                       ", val_split: 0.2, workers: 2, image_size: 16}\nmodel: {name: mlp}\n",
                                   "test");
  const auto splits = make_splits(config);
  ASSERT_EQ(splits.train.size(), 12);
  const auto r = check_data(config, splits, DataCheckSettings{2, false, 4, 100});
  // Every pixel of every training image, RGB, as doubles.
  std::vector<double> sum(3), sum_sq(3);
  double n = 0;
  for (const auto& path : splits.train.paths) {
    cv::Mat img = cv::imread(path, cv::IMREAD_COLOR);
    cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
    for (int y = 0; y < img.rows; ++y)
      for (int x = 0; x < img.cols; ++x)
        for (int k = 0; k < 3; ++k) {
          const double v = img.at<cv::Vec3b>(y, x)[k] / 255.0;
          sum[static_cast<std::size_t>(k)] += v, sum_sq[static_cast<std::size_t>(k)] += v * v;
        }
    n += img.rows * img.cols;
  }
  ASSERT_EQ(r.mean.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    const double mean = sum[k] / n;
    EXPECT_NEAR(r.mean[k], mean, 1e-12);
    EXPECT_NEAR(r.std[k], std::sqrt(sum_sq[k] / n - mean * mean), 1e-9);
  }
  EXPECT_EQ(r.images, 15);
  EXPECT_EQ(r.distinct_sizes, 15);  // 5 heights x 3 widths
  EXPECT_EQ(r.stored_channels, 3);
  EXPECT_EQ(r.exact.within + r.exact.across, 0);
  EXPECT_FALSE(r.failed());
}

}  // namespace
}  // namespace imgcls
