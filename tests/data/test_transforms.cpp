// Each transform on known inputs: sizes, crop and flip positions, normalisation values,
// colour jitter bounds, and reproducibility of the random ones from a seed.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <set>

#include "data/transforms.hpp"

namespace imgcls {
namespace {

TransformSpec spec(const std::string& name) {
  TransformSpec s;
  s.name = name;
  return s;
}

// h x w single-channel image with pixel (y, x) = 10 * y + x.
cv::Mat ramp(int h, int w) {
  cv::Mat m(h, w, CV_8UC1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) m.at<uint8_t>(y, x) = static_cast<uint8_t>(10 * y + x);
  return m;
}

cv::Mat run(const std::vector<TransformSpec>& specs, const cv::Mat& img, uint64_t seed = 1) {
  Pipeline p(specs, img.channels());
  Rng rng(seed);
  return p.apply(img, rng);
}

TEST(Transforms, ResizeShorterSideOrExact) {
  auto r = spec("resize");
  r.size = {100};
  const cv::Mat img(240, 320, CV_8UC3, cv::Scalar(1, 2, 3));
  EXPECT_EQ(run({r}, img).size(), cv::Size(133, 100));  // torchvision: int(100 * 320 / 240) = 133
  const cv::Mat tall(320, 240, CV_8UC3);
  EXPECT_EQ(run({r}, tall).size(), cv::Size(100, 133));
  r.size = {30, 40};
  EXPECT_EQ(run({r}, img).size(), cv::Size(40, 30));
  EXPECT_EQ(Pipeline({r}, 3).out_size(-1, -1), (std::pair<int64_t, int64_t>(30, 40)));
  r.size = {100};
  EXPECT_EQ(Pipeline({r}, 3).out_size(-1, -1).first, -1);
  EXPECT_EQ(Pipeline({r}, 3).out_size(240, 320), (std::pair<int64_t, int64_t>(100, 133)));
}

TEST(Transforms, CenterCropPositionAndPadding) {
  auto c = spec("center_crop");
  c.size = {2, 2};
  const auto out = run({c}, ramp(4, 4));
  EXPECT_EQ(out.at<uint8_t>(0, 0), 11);  // rows 1-2, columns 1-2
  EXPECT_EQ(out.at<uint8_t>(1, 1), 22);
  c.size = {2, 3};
  EXPECT_EQ(run({c}, ramp(5, 6)).at<uint8_t>(0, 0), 22);  // top round(1.5) = 2, left round(1.5) = 2
  c.size = {6, 6};  // larger than the image: zero padding around it
  const auto padded = run({c}, ramp(4, 4));
  EXPECT_EQ(padded.size(), cv::Size(6, 6));
  EXPECT_EQ(padded.at<uint8_t>(0, 0), 0);
  EXPECT_EQ(padded.at<uint8_t>(1, 1), 0);  // the ramp's own (0, 0)
  EXPECT_EQ(padded.at<uint8_t>(2, 2), 11);
}

TEST(Transforms, RandomCropIsAWindowOfThePaddedImageAndReproducible) {
  auto c = spec("random_crop");
  c.size = {4, 4};
  c.padding = {2};
  c.fill = 7;
  std::set<int> tops;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const auto out = run({c}, ramp(4, 4), seed);
    ASSERT_EQ(out.size(), cv::Size(4, 4));
    // The window's offset, from the first image pixel in it (a 4x4 window of the 8x8 padded
    // image always overlaps the image), then every pixel of the window checked against it.
    int top = -1, left = -1;
    for (int y = 0; y < 4 && top < 0; ++y)
      for (int x = 0; x < 4; ++x)
        if (out.at<uint8_t>(y, x) != 7) {
          const int v = out.at<uint8_t>(y, x);
          top = 2 + v / 10 - y, left = 2 + v % 10 - x;
          break;
        }
    ASSERT_GE(top, 0) << "seed " << seed << ": no image pixel in the window";
    ASSERT_LE(top, 4);
    ASSERT_GE(left, 0);
    ASSERT_LE(left, 4);
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 4; ++x) {
        const int py = top + y - 2, px = left + x - 2;  // position in the unpadded ramp
        const int expected = py >= 0 && py < 4 && px >= 0 && px < 4 ? 10 * py + px : 7;
        EXPECT_EQ(out.at<uint8_t>(y, x), expected) << "seed " << seed << " at (" << y << ", " << x << ")";
      }
    tops.insert(top);
    EXPECT_EQ(cv::norm(out, run({c}, ramp(4, 4), seed), cv::NORM_INF), 0);  // same seed, same crop
  }
  EXPECT_EQ(tops.size(), 5u);  // every offset 0..4 occurs
  c.padding = {};
  c.size = {5, 5};
  EXPECT_THROW(run({c}, ramp(4, 4)), std::runtime_error);
  c.pad_if_needed = true;
  EXPECT_EQ(run({c}, ramp(4, 4)).size(), cv::Size(5, 5));
}

TEST(Transforms, ReflectPaddingFollowsTorchvision) {
  auto c = spec("random_crop");
  c.size = {1, 7};
  c.padding = {2, 0};
  c.padding_mode = "reflect";
  const auto row = ramp(1, 3);  // 0 1 2
  const auto out = run({c}, row);
  // reflect without repeating the edge: 2 1 | 0 1 2 | 1 0; the crop is the whole padded row.
  const std::vector<int> expected = {2, 1, 0, 1, 2, 1, 0};
  for (int x = 0; x < 7; ++x) EXPECT_EQ(out.at<uint8_t>(0, x), expected[static_cast<std::size_t>(x)]);
  c.padding_mode = "symmetric";  // 1 0 | 0 1 2 | 2 1
  const auto sym = run({c}, row);
  EXPECT_EQ(sym.at<uint8_t>(0, 0), 1);
  EXPECT_EQ(sym.at<uint8_t>(0, 1), 0);
}

TEST(Transforms, FlipsWithProbability) {
  auto h = spec("hflip");
  h.p = 1;
  EXPECT_EQ(run({h}, ramp(2, 3)).at<uint8_t>(0, 0), 2);
  auto v = spec("vflip");
  v.p = 1;
  EXPECT_EQ(run({v}, ramp(2, 3)).at<uint8_t>(0, 0), 10);
  h.p = 0;
  EXPECT_EQ(run({h}, ramp(2, 3)).at<uint8_t>(0, 0), 0);
  h.p = 0.5;
  int flipped = 0;
  for (uint64_t seed = 0; seed < 1000; ++seed) flipped += run({h}, ramp(2, 3), seed).at<uint8_t>(0, 0) == 2;
  EXPECT_NEAR(flipped, 500, 60);
}

TEST(Transforms, RotationBy180IsBothFlips) {
  auto r = spec("rotation");
  r.degrees = {180, 180};
  r.interpolation = "nearest";
  const auto out = run({r}, ramp(3, 3));
  EXPECT_EQ(out.at<uint8_t>(0, 0), 22);
  EXPECT_EQ(out.at<uint8_t>(2, 2), 0);
  EXPECT_EQ(out.at<uint8_t>(1, 1), 11);
}

TEST(Transforms, RandomResizedCropGivesTheSizeAndStaysInside) {
  auto c = spec("random_resized_crop");
  c.size = {8, 8};
  const cv::Mat img(40, 60, CV_8UC3, cv::Scalar(9, 9, 9));
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const auto out = run({c}, img, seed);
    ASSERT_EQ(out.size(), cv::Size(8, 8));
    EXPECT_EQ(cv::norm(out, cv::Mat(8, 8, CV_8UC3, cv::Scalar(9, 9, 9)), cv::NORM_INF), 0);
  }
}

TEST(Transforms, ColorJitterStaysWithinItsFactors) {
  const cv::Mat img(4, 4, CV_8UC3, cv::Scalar(100, 50, 200));
  auto j = spec("color_jitter");
  j.brightness = {0.5, 0.5};
  const auto half = run({j}, img);
  EXPECT_EQ(half.at<cv::Vec3b>(0, 0), cv::Vec3b(50, 25, 100));
  j.brightness = {0.8, 1.2};
  for (uint64_t seed = 0; seed < 100; ++seed) {
    const auto px = run({j}, img, seed).at<cv::Vec3b>(0, 0);
    EXPECT_GE(px[0], 80);
    EXPECT_LE(px[0], 120);
    EXPECT_NEAR(px[1] * 2.0, px[0], 2.0);  // one factor for all channels
  }
  // Saturation 0 gives grey (contrast: the next test).
  j.brightness = {};
  j.saturation = {0, 0};
  const auto grey = run({j}, img).at<cv::Vec3b>(0, 0);
  EXPECT_EQ(grey[0], grey[1]);
  EXPECT_EQ(grey[1], grey[2]);
  // Hue: a shift by half the circle turns pure red into cyan.
  auto hue = spec("color_jitter");
  hue.hue = {0.5, 0.5};
  const auto cyan = run({hue}, cv::Mat(2, 2, CV_8UC3, cv::Scalar(255, 0, 0))).at<cv::Vec3b>(0, 0);
  EXPECT_EQ(cyan, cv::Vec3b(0, 255, 255));
}

TEST(Transforms, ColorJitterContrastBlendsWithTheGrayscaleMean) {
  // torchvision 0.26's ColorJitter(contrast=(c, c)) on these pixels, printed by
  // scripts/dev/transforms_reference.py: each pixel blended with the mean of the image's
  // grayscale (105.17 here), c * pixel + (1 - c) * mean, clamped to 0..255. torchvision
  // truncates to uint8 where OpenCV rounds, hence a tolerance of one level.
  const std::vector<cv::Vec3b> pixels = {{10, 200, 30}, {250, 250, 250}, {0, 0, 0},
                                         {120, 60, 90}, {33, 66, 99},    {200, 100, 5}};  // RGB, 2 x 3
  const std::vector<std::pair<double, std::vector<cv::Vec3b>>> expected = {
      {0.0, {{105, 105, 105}, {105, 105, 105}, {105, 105, 105}, {105, 105, 105}, {105, 105, 105}, {105, 105, 105}}},
      {0.5, {{57, 152, 67}, {177, 177, 177}, {52, 52, 52}, {112, 82, 97}, {69, 85, 102}, {152, 102, 55}}},
      {1.7, {{0, 255, 0}, {255, 255, 255}, {0, 0, 0}, {130, 28, 79}, {0, 38, 94}, {255, 96, 0}}},
  };
  cv::Mat img(2, 3, CV_8UC3);
  for (int i = 0; i < 6; ++i) img.at<cv::Vec3b>(i / 3, i % 3) = pixels[static_cast<std::size_t>(i)];
  for (const auto& [c, want] : expected) {
    auto j = spec("color_jitter");
    j.contrast = {c, c};
    for (uint64_t seed : {1, 2, 3}) {  // the random order of the jitter's parts does not matter with one part
      const auto out = run({j}, img, seed);
      for (int i = 0; i < 6; ++i)
        for (int ch = 0; ch < 3; ++ch)
          EXPECT_NEAR(out.at<cv::Vec3b>(i / 3, i % 3)[ch], want[static_cast<std::size_t>(i)][ch], 1)
              << "contrast " << c << ", pixel " << i << ", channel " << ch;
    }
  }
}

TEST(Transforms, GrayscaleAndNormalizeToTensor) {
  auto g = spec("grayscale");
  auto n = spec("normalize");
  n.mean = {0.5};
  n.std = {0.25};
  Pipeline p({g, n}, 3);
  EXPECT_EQ(p.out_channels(), 1);
  Rng rng(0);
  const auto out = p.apply(cv::Mat(1, 2, CV_8UC3, cv::Scalar(255, 255, 255)), rng);
  ASSERT_EQ(out.channels(), 1);
  float buf[2];
  p.to_tensor(out, buf);
  EXPECT_FLOAT_EQ(buf[0], (1.0f - 0.5f) / 0.25f);

  // Per-channel: CHW order, each channel with its own mean and std.
  auto n3 = spec("normalize");
  n3.mean = {0.0, 0.5, 1.0};
  n3.std = {1.0, 0.5, 0.25};
  Pipeline p3({n3}, 3);
  cv::Mat px(1, 2, CV_8UC3, cv::Scalar(51, 102, 255));
  float chw[6];
  p3.to_tensor(px, chw);
  EXPECT_FLOAT_EQ(chw[0], 0.2f);
  EXPECT_FLOAT_EQ(chw[1], 0.2f);
  EXPECT_NEAR(chw[2], (0.4 - 0.5) / 0.5, 1e-6);
  EXPECT_NEAR(chw[4], 0.0, 1e-6);
}

}  // namespace
}  // namespace imgcls
