// Classification metrics against values computed by hand (scikit-learn's definitions with
// zero_division=0), including a class with no samples and one with no predictions; the
// confusion layout; the charts (size, not blank); TensorBoard record framing (read back by
// TensorBoard itself in tests/cli/test_cli_export.cpp).
#include <gtest/gtest.h>

#include <cstring>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/imgcodecs.hpp>

#include "report/classification_report.hpp"
#include "report/plot.hpp"
#include "report/tensorboard.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

ConfusionMatrix example() {
  // (truth, predicted): class 2 is predicted once but has no samples; class 3 has a sample
  // but is never predicted.
  ConfusionMatrix cm(4);
  for (auto [t, p] : std::vector<std::pair<int, int>>{{0, 0}, {0, 1}, {1, 1}, {1, 1}, {0, 0}, {1, 2}, {3, 0}})
    cm.add(t, p);
  return cm;
}

TEST(Report, MetricsMatchHandComputedValues) {
  const auto r = classification_report(example(), {"a", "b", "c", "d"});
  EXPECT_EQ(r.total, 7);
  EXPECT_NEAR(r.accuracy, 4.0 / 7, 1e-12);
  EXPECT_NEAR(r.per_class[0].precision, 2.0 / 3, 1e-12);  // 2 of the 3 predicted 'a'
  EXPECT_NEAR(r.per_class[0].recall, 2.0 / 3, 1e-12);
  EXPECT_NEAR(r.per_class[0].f1, 2.0 / 3, 1e-12);
  EXPECT_EQ(r.per_class[0].support, 3);
  EXPECT_EQ(r.per_class[2].precision, 0.0);  // predicted once, wrongly
  EXPECT_EQ(r.per_class[2].recall, 0.0);     // no samples: 0, as zero_division=0
  EXPECT_EQ(r.per_class[2].support, 0);
  EXPECT_EQ(r.per_class[3].precision, 0.0);  // never predicted
  EXPECT_EQ(r.per_class[3].support, 1);
  EXPECT_NEAR(r.macro.precision, 1.0 / 3, 1e-12);
  EXPECT_NEAR(r.macro.f1, 1.0 / 3, 1e-12);
  EXPECT_NEAR(r.weighted.precision, 4.0 / 7, 1e-12);
  EXPECT_NEAR(r.weighted.f1, 4.0 / 7, 1e-12);
  EXPECT_EQ(r.weighted.support, 7);
}

TEST(Report, TextAndCsvLayout) {
  const auto cm = example();
  // Character for character scikit-learn's classification_report(digits=2) layout.
  const auto text = report_text(classification_report(cm, {"a", "b", "c", "d"}), 2);
  EXPECT_NE(text.find("           a       0.67      0.67      0.67         3"), std::string::npos) << text;
  EXPECT_NE(text.find("    accuracy                           0.57         7"), std::string::npos) << text;
  EXPECT_NE(text.find("weighted avg       0.57      0.57      0.57         7"), std::string::npos) << text;
  // Rows are the true class, columns the prediction.
  EXPECT_EQ(confusion_csv(cm, {"a", "b", "c", "d,e"}),
            "true\\predicted,a,b,c,\"d,e\"\na,2,1,0,0\nb,0,2,1,0\nc,0,0,0,0\n\"d,e\",1,0,0,0\n");
}

TEST(Report, ChartsHaveTheirSizeAndAreNotBlank) {
  test::TempDir dir;
  const std::vector<double> epoch = {1, 2, 3}, nan_row = {0.5, std::nan(""), 0.7};
  const auto curves = draw_training_curves("run", epoch, {1.2, 0.8, 0.6}, {1.0, 0.9, 0.85}, {0.5, 0.7, 0.8}, nan_row);
  EXPECT_EQ(curves.size(), cv::Size(1280, 440));
  write_png(dir / "curves.png", curves);
  const auto back = cv::imread(dir / "curves.png");
  ASSERT_FALSE(back.empty());
  cv::Mat grey;
  cv::cvtColor(back, grey, cv::COLOR_BGR2GRAY);
  EXPECT_GT(cv::countNonZero(grey < 250), 2000);  // lines, labels, ticks
  // A coloured pixel: the series are drawn, not only the axes.
  std::vector<cv::Mat> ch;
  cv::split(back, ch);
  EXPECT_GT(cv::countNonZero(cv::abs(ch[0] - ch[2]) > 60), 100);

  const auto cm_img = draw_confusion(example(), {"a", "b", "c", "d"}, "confusion");
  EXPECT_GT(cm_img.cols, 4 * 36);
  EXPECT_GT(cm_img.rows, 4 * 36);
}

}  // namespace
}  // namespace imgcls

namespace imgcls {
namespace {

TEST(TensorBoard, Crc32cAndRecordFramingFollowTfRecord) {
  // The CRC-32C check value, and TFRecord's masking of it.
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32c("", 0), 0u);
  const uint32_t c = 0xE3069283u;
  EXPECT_EQ(masked_crc32c("123456789", 9), ((c >> 15) | (c << 17)) + 0xa282ead8u);
  // length (8 bytes LE) + masked crc of the length + data + masked crc of the data.
  const auto record = tf_record("abc");
  ASSERT_EQ(record.size(), 8u + 4u + 3u + 4u);
  EXPECT_EQ(record[0], 3);
  EXPECT_EQ(record.substr(12, 3), "abc");
  uint32_t data_crc = 0;
  std::memcpy(&data_crc, record.data() + 15, 4);
  EXPECT_EQ(data_crc, masked_crc32c("abc", 3));
}

TEST(TensorBoard, EventFileStartsWithTheFileVersionEvent) {
  const auto bytes = event_file_bytes({Scalar{"loss/train", 3, 0.25, 100.0}}, 99.0);
  EXPECT_NE(bytes.find("brain.Event:2"), std::string::npos);
  EXPECT_LT(bytes.find("brain.Event:2"), bytes.find("loss/train"));
  // Event 2 holds the float 0.25 as a fixed32 after the tag.
  float v = 0.25f;
  EXPECT_NE(bytes.find(std::string(reinterpret_cast<const char*>(&v), 4)), std::string::npos);
}

}  // namespace
}  // namespace imgcls
