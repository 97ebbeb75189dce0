// Pillow's resampling (src/transforms/pil_resample.cpp) against torchvision on real photos:
// 100 crops of 320x240 from the opencv-doc sample images, 1 and 3 channels, through imgcls's
// `resize` (Resize(72): shrinking, Resize(256): enlarging, for every interpolation torchvision
// has for PIL images) and the crop-then-resize of `random_resized_crop`. The reference comes
// from tests/python/torchvision_resize.py in the project's Python environment; those tests
// skip, saying so, without it or without the photos (Debian's opencv-doc).
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "data/rng.hpp"
#include "test_util.hpp"
#include "transforms/image_ops.hpp"
#include "transforms/pil_resample.hpp"
#include "transforms/transform.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

const std::string kSource = IMGCLS_SOURCE_DIR;
const std::string kPython = IMGCLS_PYTHON;
const char* kPhotos = "/usr/share/doc/opencv-doc/examples/data";

// `count` crops of 320x240 (width x height) at seeded places in the sample photos that are
// at least that large, in a fixed order.
std::vector<cv::Mat> photo_crops(int count) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kPhotos, ec)) {
    const auto ext = e.path().extension().string();
    if (ext == ".jpg" || ext == ".png") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<cv::Mat> photos;
  for (const auto& f : files) {
    auto img = cv::imread(f, cv::IMREAD_COLOR);
    if (!img.empty() && img.rows >= 240 && img.cols >= 320) photos.push_back(img);
  }
  std::vector<cv::Mat> crops;
  if (photos.empty()) return crops;
  Rng rng(17);
  for (int i = 0; i < count; ++i) {
    const auto& p = photos[static_cast<std::size_t>(i) % photos.size()];
    const int top = static_cast<int>(rng.randint(0, p.rows - 240 + 1));
    const int left = static_cast<int>(rng.randint(0, p.cols - 320 + 1));
    crops.push_back(p(cv::Rect(left, top, 320, 240)).clone());
  }
  return crops;
}

bool have_torchvision() {
  return !kPython.empty() && test::run(kPython + " -c 'import torchvision, PIL'").exit_code == 0;
}

#define REQUIRE_REFERENCE(crops)                                                                         \
  if ((crops).empty()) GTEST_SKIP() << "no sample photos in " << kPhotos << " (Debian's opencv-doc)";   \
  if (!have_torchvision()) GTEST_SKIP() << "no Python with torchvision at '" << kPython << "' (run scripts/setup.sh)"

// One comparison: what imgcls made, and the torchvision command line's arguments.
struct Job {
  std::string group;  // the line the mean is reported for
  cv::Mat input, ours;
  std::string op;     // "resize 72 bilinear"
};

// Runs every job's reference through torchvision; per group, the mean and largest absolute
// difference to ours (which must have the reference's size).
std::map<std::string, std::pair<double, int>> differences(const std::vector<Job>& jobs) {
  test::TempDir dir;
  std::ofstream list(dir / "jobs.txt");
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const auto in = dir / ("in" + std::to_string(i) + ".png"), out = dir / ("out" + std::to_string(i) + ".png");
    cv::imwrite(in, jobs[i].input);
    list << in << " " << out << " " << jobs[i].op << "\n";
  }
  list.close();
  const auto r = test::run(kPython + " " + kSource + "/tests/python/torchvision_resize.py " + (dir / "jobs.txt"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, std::pair<double, double>> sums;  // group: (sum of |d|, values)
  std::map<std::string, std::pair<double, int>> result;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const auto ref = cv::imread(dir / ("out" + std::to_string(i) + ".png"), cv::IMREAD_UNCHANGED);
    const auto& ours = jobs[i].ours;
    EXPECT_EQ(ref.rows, ours.rows) << jobs[i].op;
    EXPECT_EQ(ref.cols, ours.cols) << jobs[i].op;
    EXPECT_EQ(ref.channels(), ours.channels()) << jobs[i].op;
    if (ref.size() != ours.size() || ref.type() != ours.type()) continue;
    cv::Mat diff;
    cv::absdiff(ref, ours, diff);
    double max_diff = 0;
    cv::minMaxLoc(diff.reshape(1), nullptr, &max_diff);
    auto& s = sums[jobs[i].group];
    s.first += cv::sum(diff)[0] + cv::sum(diff)[1] + cv::sum(diff)[2];
    s.second += static_cast<double>(diff.total() * diff.channels());
    auto& g = result[jobs[i].group];
    g.second = std::max(g.second, static_cast<int>(max_diff));
  }
  for (auto& [group, s] : sums) result[group].first = s.first / s.second;
  return result;
}

cv::Mat gray(const cv::Mat& bgr) {
  cv::Mat g;
  cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
  return g;
}

cv::Mat resize_transform(const cv::Mat& img, int64_t size, const std::string& interpolation) {
  TransformSpec spec;
  spec.name = "resize";
  spec.size = {size};
  spec.interpolation = interpolation;
  Rng rng(0);
  return find_transform("resize")->make_cpu(spec)->apply(img, rng);
}

TEST(PilResample, ResizeEqualsTorchvisionOnPhotos) {
  const auto crops = photo_crops(100);
  REQUIRE_REFERENCE(crops);
  std::vector<Job> jobs;
  // The default on all 100 crops; the other filters on 20 (each is the same code with
  // another kernel).
  for (const std::string mode : {"bilinear", "bicubic", "box", "hamming", "lanczos", "nearest"})
    for (std::size_t i = 0; i < (mode == "bilinear" ? crops.size() : 20); ++i)
      for (const int channels : {3, 1})
        for (const int64_t size : {72, 256}) {
          const auto input = channels == 3 ? crops[i] : gray(crops[i]);
          const auto group = mode + " " + std::to_string(channels) + "ch Resize(" + std::to_string(size) + ")";
          jobs.push_back({group, input, resize_transform(input, size, mode),
                          "resize " + std::to_string(size) + " " + mode});
        }
  for (const auto& [group, d] : differences(jobs)) {
    // Pillow's own arithmetic: equal up to rounding (measured: identical bytes).
    EXPECT_LE(d.first, 0.5) << group;
    EXPECT_LE(d.second, 1) << group;
    std::cout << "[          ] " << group << ": mean |difference| " << d.first << ", max " << d.second << "\n";
  }
}

// RandomResizedCrop's resize: a window (a view into the image, with the image's row step),
// resized to 224x224; torchvision crops the PIL image, then resizes.
TEST(PilResample, ResizedCropEqualsTorchvisionOnPhotos) {
  const auto crops = photo_crops(40);
  REQUIRE_REFERENCE(crops);
  std::vector<Job> jobs;
  Rng rng(5);
  for (const std::string mode : {"bilinear", "bicubic"})
    for (std::size_t i = 0; i < crops.size(); ++i) {
      const auto input = i % 2 ? crops[i] : gray(crops[i]);
      const int h = static_cast<int>(rng.randint(20, 241)), w = static_cast<int>(rng.randint(20, 321));
      const int top = static_cast<int>(rng.randint(0, 240 - h + 1)), left = static_cast<int>(rng.randint(0, 320 - w + 1));
      jobs.push_back({mode + " resized_crop", input, resize_to(input(cv::Rect(left, top, w, h)), 224, 224, mode),
                      "resized_crop " + std::to_string(top) + " " + std::to_string(left) + " " + std::to_string(h) +
                          " " + std::to_string(w) + " 224 224 " + mode});
    }
  for (const auto& [group, d] : differences(jobs)) {
    EXPECT_LE(d.first, 0.5) << group;
    EXPECT_LE(d.second, 1) << group;
    std::cout << "[          ] " << group << ": mean |difference| " << d.first << ", max " << d.second << "\n";
  }
}

// Any shape to any shape (3..150 pixels a side, each filter): the pass order too. Pillow 13
// runs the vertical pass first when the height shrinks by more than twice the width; the
// 8-bit intermediate then differs, by up to 13 gray levels at a few pixels.
TEST(PilResample, AnySizeToAnySizeEqualsTorchvision) {
  const auto crops = photo_crops(10);
  REQUIRE_REFERENCE(crops);
  std::vector<Job> jobs;
  Rng rng(9);
  const std::vector<std::string> modes = {"bilinear", "bicubic", "lanczos", "box", "hamming", "nearest"};
  for (int i = 0; i < 300; ++i) {
    const int ih = static_cast<int>(rng.randint(3, 151)), iw = static_cast<int>(rng.randint(3, 151));
    const int oh = static_cast<int>(rng.randint(3, 151)), ow = static_cast<int>(rng.randint(3, 151));
    const auto& mode = modes[static_cast<std::size_t>(i) % modes.size()];
    const auto& c = crops[static_cast<std::size_t>(i) % crops.size()];
    const cv::Mat input = (i % 2 ? c : gray(c))(cv::Rect(i % 50, i % 30, iw, ih));
    jobs.push_back({"any size " + mode, input.clone(), resize_to(input, oh, ow, mode),
                    "resize " + std::to_string(oh) + " " + std::to_string(ow) + " " + mode});
  }
  for (const auto& [group, d] : differences(jobs)) {
    EXPECT_LE(d.first, 0.5) << group;
    EXPECT_LE(d.second, 1) << group;
    std::cout << "[          ] " << group << ": mean |difference| " << d.first << ", max " << d.second << "\n";
  }
}

// OpenCV's INTER_AREA, what `bilinear` meant before (and `cv_linear` means now), is 2 gray
// levels away from torchvision's Resize(72) on the same photos: the reason for the change.
TEST(PilResample, OpenCvAreaIsFartherFromTorchvision) {
  const auto crops = photo_crops(20);
  REQUIRE_REFERENCE(crops);
  std::vector<Job> jobs;
  for (const auto& c : crops) jobs.push_back({"cv_linear", c, resize_transform(c, 72, "cv_linear"), "resize 72 bilinear"});
  const auto d = differences(jobs)["cv_linear"];
  EXPECT_GT(d.first, 1.0);
  std::cout << "[          ] cv_linear vs torchvision Resize(72): mean |difference| " << d.first << "\n";
}

// Without Python: Pillow's arithmetic on values worked by hand.
TEST(PilResample, BoxHalvesWithPillowsRounding) {
  const cv::Mat row = (cv::Mat_<uint8_t>(1, 4) << 0, 255, 10, 20);
  // Box, shrink 2: each output the mean of two inputs, halves rounded up (127.5 -> 128).
  const auto out = pil_resize(row, 1, 2, PilFilter::kBox);
  EXPECT_EQ(out.at<uint8_t>(0, 0), 128);
  EXPECT_EQ(out.at<uint8_t>(0, 1), 15);
  // Bilinear, shrink 2: the tent widened to 2 pixels: weights 1/8, 3/8, 3/8, 1/8 around each
  // centre, the edge taps renormalised: (0*3 + 255*3 + 10*1) / 7 = 110.7 -> 111.
  const auto bl = pil_resize(row, 1, 2, PilFilter::kBilinear);
  EXPECT_EQ(bl.at<uint8_t>(0, 0), 111);
}

TEST(PilResample, NearestPicksPillowsSourcePixel) {
  cv::Mat row(1, 5, CV_8UC1);
  for (int i = 0; i < 5; ++i) row.at<uint8_t>(0, i) = static_cast<uint8_t>(i * 10);
  // 5 -> 2: source (x + 0.5) * 2.5 = 1.25, 3.75 -> pixels 1 and 3 (OpenCV's INTER_NEAREST: 0, 2).
  const auto out = pil_resize(row, 1, 2, PilFilter::kNearest);
  EXPECT_EQ(out.at<uint8_t>(0, 0), 10);
  EXPECT_EQ(out.at<uint8_t>(0, 1), 30);
}

TEST(PilResample, ThreeChannelsAreThreeOneChannelResizes) {
  cv::Mat img(37, 53, CV_8UC3);
  cv::randu(img, 0, 256);
  std::vector<cv::Mat> planes;
  cv::split(img, planes);
  for (const auto f : {PilFilter::kBilinear, PilFilter::kBicubic, PilFilter::kLanczos, PilFilter::kNearest})
    for (const auto& size : {cv::Size(20, 15), cv::Size(80, 61), cv::Size(53, 20), cv::Size(20, 37)}) {
      const auto out = pil_resize(img, size.height, size.width, f);
      ASSERT_EQ(out.size(), size);
      std::vector<cv::Mat> out_planes;
      cv::split(out, out_planes);
      for (int c = 0; c < 3; ++c)
        EXPECT_EQ(cv::norm(out_planes[c], pil_resize(planes[c], size.height, size.width, f), cv::NORM_INF), 0);
    }
}

// The OpenCV choices are cv::resize as before: area always INTER_AREA, cv_linear INTER_AREA
// when shrinking and INTER_LINEAR when enlarging, cv_cubic / cv_nearest INTER_CUBIC / NEAREST.
TEST(PilResample, OpenCvChoicesAreCvResize) {
  cv::Mat img(40, 50, CV_8UC3);
  cv::randu(img, 0, 256);
  const auto cv_resize = [&](int h, int w, int flag) {
    cv::Mat out;
    cv::resize(img, out, cv::Size(w, h), 0, 0, flag);
    return out;
  };
  const auto same = [](const cv::Mat& a, const cv::Mat& b) { return cv::norm(a, b, cv::NORM_INF) == 0; };
  EXPECT_TRUE(same(resize_to(img, 20, 25, "cv_linear"), cv_resize(20, 25, cv::INTER_AREA)));
  EXPECT_TRUE(same(resize_to(img, 80, 60, "cv_linear"), cv_resize(80, 60, cv::INTER_LINEAR)));
  EXPECT_TRUE(same(resize_to(img, 80, 60, "area"), cv_resize(80, 60, cv::INTER_AREA)));
  EXPECT_TRUE(same(resize_to(img, 33, 21, "cv_cubic"), cv_resize(33, 21, cv::INTER_CUBIC)));
  EXPECT_TRUE(same(resize_to(img, 33, 71, "cv_nearest"), cv_resize(33, 71, cv::INTER_NEAREST)));
  EXPECT_FALSE(same(resize_to(img, 20, 25, "bilinear"), cv_resize(20, 25, cv::INTER_AREA)));
}

}  // namespace
}  // namespace imgcls
