// report/plot.cpp's bar chart: bars drawn in the series' colours, bounded size for many classes.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "report/plot.hpp"

namespace imgcls {
namespace {

int pixels_of(const cv::Mat& img, const cv::Vec3b& bgr) {
  int n = 0;
  for (int y = 0; y < img.rows; ++y)
    for (int x = 0; x < img.cols; ++x) n += img.at<cv::Vec3b>(y, x) == bgr;
  return n;
}

TEST(BarChart, BarsTakeTheSeriesColoursAndHeightsFollowTheValues) {
  BarChartSpec spec{"counts", "images", {"cat", "dog", "fox"}, {{"train", {40, 20, 0}}, {"test", {10, 10, 10}}}};
  const auto img = draw_bar_chart(spec);
  ASSERT_EQ(img.type(), CV_8UC3);
  EXPECT_GE(img.cols, 640);
  const cv::Vec3b blue(180, 119, 31), orange(14, 127, 255);  // tab10's first two, BGR
  const int train = pixels_of(img, blue), test = pixels_of(img, orange);
  EXPECT_GT(train, 0);
  EXPECT_GT(test, 0);
  // Bars of equal width: area in proportion to the values (60 vs 30), legend swatches aside.
  EXPECT_NEAR(static_cast<double>(train) / test, 2.0, 0.25);
}

TEST(BarChart, ThousandCategoriesKeepABoundedWidth) {
  BarChartSpec spec{"many", "images", {}, {{"train", {}}}};
  for (int i = 0; i < 1000; ++i) {
    spec.categories.push_back("class " + std::to_string(i));
    spec.series[0].values.push_back(i % 7 + 1);
  }
  const auto img = draw_bar_chart(spec);
  EXPECT_LE(img.cols, 2100);
  EXPECT_GT(pixels_of(img, cv::Vec3b(180, 119, 31)), 1000);
}

}  // namespace
}  // namespace imgcls
