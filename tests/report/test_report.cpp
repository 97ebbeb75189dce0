// Classification metrics against values computed by hand (scikit-learn's definitions with
// zero_division=0), including a class with no samples and one with no predictions; the
// confusion layout; the charts (size, not blank); TensorBoard record framing (read back by
// TensorBoard itself in tests/cli/test_cli_export.cpp).
#include <gtest/gtest.h>

#include <cmath>
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

TEST(Report, BalancedAccuracyIsSklearnsMeanRecallOverClassesWithSamples) {
  // sklearn.metrics.balanced_accuracy_score([0, 0, 1, 1, 0, 1, 3], [0, 1, 1, 1, 0, 2, 0]) = 0.4444:
  // recalls 2/3, 2/3 and 0; class 2 (no samples) is left out, not counted as 0.
  EXPECT_NEAR(classification_report(example(), {"a", "b", "c", "d"}).balanced_accuracy, 4.0 / 9, 1e-12);
  EXPECT_EQ(classification_report(ConfusionMatrix(3), {"a", "b", "c"}).balanced_accuracy, 0.0);
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

// Dark grey (the markers' colour) pixels in the columns [x0, x1) of a chart.
int marker_pixels(const cv::Mat& img, int x0, int x1) {
  cv::Mat mask;
  cv::inRange(img(cv::Rect(x0, 0, x1 - x0, img.rows)), cv::Scalar(50, 50, 50), cv::Scalar(70, 70, 70), mask);
  return cv::countNonZero(mask);
}

TEST(Report, CurvesMarkTheBestEpochAndTheTestAccuracy) {
  const std::vector<double> epoch = {1, 2, 3, 4}, nan4(4, std::nan(""));
  const std::vector<double> tl = {1.2, 0.8, 0.6, 0.5}, vl = {1.0, 0.7, 0.75, 0.8};
  const std::vector<double> ta = {0.5, 0.7, 0.8, 0.85}, va = {0.6, 0.75, 0.72, 0.7};
  CurveMarks marks;
  marks.best_epoch = 2;
  marks.monitor = "val_acc";
  marks.test_acc = 0.74;
  const auto charts = training_curve_charts("run", epoch, tl, vl, ta, va, marks);
  ASSERT_EQ(charts.size(), 2u);
  for (const auto& chart : charts) {
    ASSERT_EQ(chart.series.size(), 2u);
    EXPECT_EQ(chart.series[1].label, "validation");
    ASSERT_FALSE(chart.markers.empty());
    EXPECT_EQ(chart.markers[0].x, 2);  // a vertical line at the best epoch
    EXPECT_TRUE(std::isnan(chart.markers[0].y));
    EXPECT_EQ(chart.markers[0].label, "best: epoch 2 (val_acc)");
  }
  ASSERT_EQ(charts[1].markers.size(), 2u);  // the test accuracy, on the accuracy chart, at the best epoch
  EXPECT_EQ(charts[1].markers[1].x, 2);
  EXPECT_EQ(charts[1].markers[1].y, 0.74);
  EXPECT_EQ(charts[1].markers[1].label, "test 0.7400");
  EXPECT_EQ(charts[0].markers.size(), 1u);

  // Drawn: the marker colour appears near the best epoch's x, and not without marks.
  const auto marked = draw_line_chart(charts[1]),
             plain = draw_line_chart(training_curve_charts("run", epoch, tl, vl, ta, va)[1]);
  EXPECT_GT(marker_pixels(marked, 0, marked.cols), marker_pixels(plain, 0, plain.cols) + 40);

  // No validation split: no validation series (and so no empty legend entry).
  const auto train_only = training_curve_charts("run", epoch, tl, nan4, ta, nan4, {3, "train_acc"});
  for (const auto& chart : train_only) {
    ASSERT_EQ(chart.series.size(), 1u);
    EXPECT_EQ(chart.series[0].label, "train");
  }
  EXPECT_EQ(train_only[1].markers[0].label, "best: epoch 3 (train_acc)");
  EXPECT_EQ(draw_training_curves("run", epoch, tl, nan4, ta, nan4).size(), cv::Size(1280, 440));
}

TEST(Report, TrainValChartPairsEachRunsCurvesInOneColour) {
  const std::vector<RunCurves> runs = {{"batch-32", {1, 2}, {0.7, 0.8}, {0.68, 0.75}},
                                       {"batch-128", {1, 2}, {0.6, 0.7}, {0.62, 0.7}}};
  const auto chart = train_val_chart("accuracy", runs);
  ASSERT_EQ(chart.series.size(), 4u);
  EXPECT_EQ(chart.series[0].label, "batch-32");  // validation: solid, in the legend
  EXPECT_FALSE(chart.series[0].dashed);
  EXPECT_EQ(chart.series[0].y, runs[0].val);
  EXPECT_EQ(chart.series[1].label, "");  // train: dashed, the same colour, no legend entry
  EXPECT_TRUE(chart.series[1].dashed);
  EXPECT_EQ(chart.series[1].y, runs[0].train);
  EXPECT_EQ(chart.series[0].color, chart.series[1].color);
  EXPECT_NE(chart.series[0].color, chart.series[2].color);
  EXPECT_NE(chart.title.find("solid: validation, dashed: train"), std::string::npos);
  // Drawn: two colours (tab10 blue and orange), no third.
  const auto img = draw_line_chart(chart, 800, 480);
  cv::Mat blue, orange, green;
  cv::inRange(img, cv::Scalar(170, 110, 20), cv::Scalar(190, 130, 40), blue);
  cv::inRange(img, cv::Scalar(5, 117, 245), cv::Scalar(25, 137, 255), orange);
  cv::inRange(img, cv::Scalar(34, 150, 34), cv::Scalar(54, 170, 54), green);
  EXPECT_GT(cv::countNonZero(blue), 100);
  EXPECT_GT(cv::countNonZero(orange), 100);
  EXPECT_EQ(cv::countNonZero(green), 0);
}

}  // namespace
}  // namespace imgcls

namespace imgcls {
namespace {

TEST(TensorBoard, Crc32cAndRecordFramingFollowTfRecord) {
  // Published CRC-32C values: the CRC catalogue's check value ("123456789") and the test
  // vectors of RFC 3720 (iSCSI), appendix B.4.
  const std::string zeros(32, '\0'), ones(32, '\xff');
  std::string ascending(32, '\0');
  for (int i = 0; i < 32; ++i) ascending[static_cast<std::size_t>(i)] = static_cast<char>(i);
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32c(zeros.data(), 32), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), 32), 0x62A8AB43u);
  EXPECT_EQ(crc32c(ascending.data(), 32), 0x46DD794Eu);
  EXPECT_EQ(crc32c("", 0), 0u);
  // TFRecord's mask, ((crc >> 15) | (crc << 17)) + 0xa282ead8, as TensorBoard's own writer
  // computes it (values printed by
  //   ~/.cache/imgcls/venv-torch2.11.0/bin/python -c "from tensorboard.compat.tensorflow_stub.pywrap_tensorflow
  //   import masked_crc32c as m; print([hex(m(b)) for b in (b'123456789', bytes(32), b'\xff' * 32,
  //   bytes(range(32)), b'abc', (3).to_bytes(8, 'little'))])").
  EXPECT_EQ(masked_crc32c("123456789", 9), 0xC78AB0E5u);
  EXPECT_EQ(masked_crc32c(zeros.data(), 32), 0x0FD7FFFAu);
  EXPECT_EQ(masked_crc32c(ones.data(), 32), 0xF909B029u);
  EXPECT_EQ(masked_crc32c(ascending.data(), 32), 0x951F7892u);
  // length (8 bytes LE) + masked crc of the length + data + masked crc of the data.
  const auto record = tf_record("abc");
  ASSERT_EQ(record.size(), 8u + 4u + 3u + 4u);
  EXPECT_EQ(record.substr(0, 8), std::string("\x03\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(record.substr(12, 3), "abc");
  uint32_t length_crc = 0, data_crc = 0;
  std::memcpy(&length_crc, record.data() + 8, 4);
  std::memcpy(&data_crc, record.data() + 15, 4);
  EXPECT_EQ(length_crc, 0x0E4999B0u);
  EXPECT_EQ(data_crc, 0x21F1576Eu);
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
