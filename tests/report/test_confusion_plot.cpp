// The confusion heat map stays a sensible picture for any class count.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace imgcls
