// The confusion heat map stays a sensible picture for any class count, big enough for a slide.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <opencv2/core.hpp>

#include "report/classification_report.hpp"
#include "report/plot.hpp"

namespace imgcls {
namespace {

ConfusionMatrix diagonal(std::size_t k) {
  ConfusionMatrix cm(k);
  for (std::size_t i = 0; i < k; ++i) cm.counts[i][i] = 3, cm.counts[i][(i + 1) % k] = 1;
  return cm;
}

TEST(ConfusionPlot, ThousandClassesMakeASummaryOfBoundedSize) {
  const auto img = draw_confusion(diagonal(1000), {}, "1000 classes");
  // Labelled cells of 36 px would make a ~36,000 px square (~4 GB); the summary is bounded.
  EXPECT_LE(img.cols, 1200);
  EXPECT_LE(img.rows, 1200);
  EXPECT_GE(img.cols, 1000);
  // The diagonal is the darkest part: its pixels are darker than an off-diagonal corner.
  const auto at = [&](int x, int y) { return cv::norm(img.at<cv::Vec3b>(60 + y, 70 + x)); };
  EXPECT_LT(at(500, 500), at(900, 100));
}

TEST(ConfusionPlot, FewClassesKeepLabelledCells) {
  const auto img = draw_confusion(diagonal(10), std::vector<std::string>(10, "class"), "10 classes");
  EXPECT_LT(img.cols, 1000);
  EXPECT_GT(img.cols, 10 * 36);
}

// For slides: cells never below kConfusionCellMin pixels, the matrix ~kConfusionMatrixSide
// pixels for few classes and growing with the class count beyond.
TEST(ConfusionPlot, ScalesWithTheClassCount) {
  int previous_cols = 0;
  for (int k : {2, 3, 10, 20, 40, 60}) {
    const int cell = confusion_cell_size(k);
    EXPECT_GE(cell, kConfusionCellMin);
    EXPECT_LE(cell, kConfusionCellMax);
    const auto img = draw_confusion(diagonal(static_cast<std::size_t>(k)),
                                    std::vector<std::string>(static_cast<std::size_t>(k), "class"), "cm");
    EXPECT_GE(img.cols, k * cell) << k;
    EXPECT_GE(img.rows, k * cell) << k;
    EXPECT_GE(k * cell, std::min(kConfusionMatrixSide - k, k * kConfusionCellMax)) << k;
    if (k >= 10) {
      EXPECT_GT(img.cols, previous_cols) << k;
    }
    previous_cols = img.cols;
  }
  EXPECT_EQ(confusion_cell_size(60), kConfusionCellMin);
}

// A colour bar right of the matrix: from white to the darkest shade of the cells.
TEST(ConfusionPlot, HasAColourBar) {
  for (std::size_t k : {3u, 200u}) {
    const auto img = draw_confusion(diagonal(k), {}, "cm");
    const cv::Mat strip = img(cv::Rect(img.cols - 110, 0, 110, img.rows));
    bool dark = false, white = false;
    for (int y = 0; y < strip.rows; ++y)
      for (int x = 0; x < strip.cols; ++x) {
        const auto& p = strip.at<cv::Vec3b>(y, x);
        dark |= std::abs(p[0] - 107) <= 3 && std::abs(p[1] - 48) <= 3 && std::abs(p[2] - 8) <= 3;
        white |= p[0] == 255 && p[1] == 255 && p[2] == 255;
      }
    EXPECT_TRUE(dark) << k << " classes";
    EXPECT_TRUE(white) << k << " classes";
  }
}

}  // namespace
}  // namespace imgcls
