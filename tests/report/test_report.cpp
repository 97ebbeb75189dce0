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
